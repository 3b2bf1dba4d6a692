/**
 * The p-th percentile (0 ≤ p ≤ 100) of `values` by linear interpolation between closest ranks (the
 * "R-7" definition that numpy and spreadsheets use by default). Infinity is allowed and sorts last
 * (a request that never completed); NaN is ignored. Undefined for an empty list.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
    const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
    if (sorted.length === 0)
        return undefined;
    const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
    const low = Math.floor(rank);
    const high = Math.ceil(rank);
    if (low === high || sorted[low] === sorted[high])
        return sorted[low];
    if (!Number.isFinite(sorted[high]))
        return sorted[high];
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function median(values: readonly number[]): number | undefined {
    return percentile(values, 50);
}
