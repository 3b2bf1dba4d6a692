/** Numbers measured on earlier cleaners, shown in docs/quality.md next to the current ones. */
export const qualityHistory = "";
