// Renders the benchmark's SVG chart to the PNG the README shows (the Marketplace rejects SVG images
// in a README). Needs Chromium: `SPECULA_E2E_CHROMIUM`, else /usr/bin/chromium.
//   node scripts/render-chart.mjs [docs/benchmarks-speedup.svg] [docs/images/benchmarks-speedup.png]
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const svgPath = path.resolve(root, process.argv[2] ?? "docs/benchmarks-speedup.svg");
const pngPath = path.resolve(root, process.argv[3] ?? "docs/images/benchmarks-speedup.png");
const chromium = process.env.SPECULA_E2E_CHROMIUM || "/usr/bin/chromium";
if (!existsSync(chromium)) {
    console.error(`render-chart: Chromium not found at ${chromium}; set SPECULA_E2E_CHROMIUM.`);
    process.exit(2);
}
const svg = readFileSync(svgPath, "utf8");
const size = /<svg[^>]*\bwidth="(\d+)"[^>]*\bheight="(\d+)"/.exec(svg);
if (size == null) {
    console.error(`render-chart: ${svgPath} has no width/height on its <svg> element.`);
    process.exit(2);
}
const [width, height] = [Number(size[1]), Number(size[2])];

const { chromium: launcher } = createRequire(import.meta.url)("playwright-core");
const browser = await launcher.launch({ executablePath: chromium, args: ["--no-sandbox"] });
try {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(svgPath).href);
    await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width, height } });
    console.log(`render-chart: ${path.relative(root, pngPath)} (${width}×${height})`);
} finally {
    await browser.close();
}
