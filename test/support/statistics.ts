export interface HomogeneityTest {
    statistic: number;
    degreesOfFreedom: number;
    pValue: number;
    totalVariation: number;
}

/**
 * Two-sample chi-square test of homogeneity. Categories with an expected count under 5 are pooled
 * into one, as the test's approximation requires.
 */
export function chiSquareHomogeneity(a: readonly string[], b: readonly string[]): HomogeneityTest {
    const counts = new Map<string, [number, number]>();
    for (const key of a)
        (counts.get(key) ?? counts.set(key, [0, 0]).get(key)!)[0]++;
    for (const key of b)
        (counts.get(key) ?? counts.set(key, [0, 0]).get(key)!)[1]++;
    const total = a.length + b.length;
    const cells: Array<[number, number]> = [];
    const pooled: [number, number] = [0, 0];
    let totalVariation = 0;
    for (const [x, y] of counts.values()) {
        totalVariation += Math.abs(x / a.length - y / b.length) / 2;
        const expectedSmaller = ((x + y) * Math.min(a.length, b.length)) / total;
        if (expectedSmaller < 5) {
            pooled[0] += x;
            pooled[1] += y;
        } else
            cells.push([x, y]);
    }
    if (pooled[0] + pooled[1] > 0)
        cells.push(pooled);
    let statistic = 0;
    for (const [x, y] of cells) {
        const row = x + y;
        const ea = (row * a.length) / total;
        const eb = (row * b.length) / total;
        statistic += (x - ea) ** 2 / ea + (y - eb) ** 2 / eb;
    }
    const degreesOfFreedom = Math.max(1, cells.length - 1);
    return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom), totalVariation };
}

/** Upper tail of the chi-square distribution (Wilson–Hilferty normal approximation). */
export function chiSquareSurvival(x: number, k: number): number {
    if (x <= 0)
        return 1;
    const z = (Math.cbrt(x / k) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k));
    return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
    // Numerical Recipes' erfc approximation, relative error < 1.2e-7.
    const z = Math.abs(x);
    const t = 1 / (1 + 0.5 * z);
    const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
}
