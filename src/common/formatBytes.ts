/** A byte count for people, in binary units: "3.2 GiB", "412 MiB", "12 KiB", "512 B". */
export function formatBytes(bytes: number): string {
    if (bytes >= 1024 ** 3)
        return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
    if (bytes >= 1024 ** 2)
        return `${Math.round(bytes / 1024 ** 2)} MiB`;
    if (bytes >= 1024)
        return `${Math.round(bytes / 1024)} KiB`;
    return `${Math.round(bytes)} B`;
}
