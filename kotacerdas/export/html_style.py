"""The report's stylesheet: screen and print (A4), system fonts only, no external files."""

from __future__ import annotations

from typing import Final

CSS: Final = """
:root { --ink:#1b1f23; --muted:#5b6570; --line:#d9dee3; --brand:#1f4e79; --soft:#f4f7fa; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; line-height: 1.4;
       font-size: 14px; }
header { border-bottom: 3px solid var(--brand); padding-bottom: 12px; margin-bottom: 16px; }
h1 { font-size: 26px; margin: 0; color: var(--brand); }
h2 { font-size: 19px; margin: 28px 0 10px; color: var(--brand);
     border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.en { color: var(--muted); font-weight: normal; }
.lead { font-size: 17px; margin: 6px 0 0; }
.meta { color: var(--muted); font-size: 12px; margin-top: 6px; }
.note { background: #fff8e1; border-left: 4px solid #e0b400; padding: 8px 12px; margin: 12px 0;
        font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px;
        background: var(--soft); break-inside: avoid; }
.card .label { font-size: 12px; color: var(--muted); min-height: 32px; }
.card .value { font-size: 24px; font-weight: bold; margin: 4px 0; }
.card .value small, td small { display: block; font-size: 11.5px; font-weight: normal;
                               color: var(--muted); }
.card .level { font-size: 30px; font-weight: bold; color: var(--brand); }
.badge { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 11px;
         border: 1px solid var(--line); background: #fff; white-space: nowrap; }
.q-ok { border-color: #2e9d4a; color: #1d6b31; }
.q-partial { border-color: #e0b400; color: #7a6000; background: #fffbe8; }
.q-low, .q-no_evidence, .q-no_denominator { border-color: #d62828; color: #9b1c1c;
                                            background: #fff1f1; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px;
         break-inside: avoid; background: #fff; }
figcaption { font-size: 13px; margin-bottom: 4px; font-weight: bold; }
svg.chart { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 6px; text-align: left;
         vertical-align: top; }
th { background: var(--soft); font-size: 12px; }
tr { break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 11.5px;
              word-break: break-all; }
ul.notes li { margin-bottom: 6px; }
footer { margin-top: 30px; color: var(--muted); font-size: 12px;
         border-top: 1px solid var(--line); padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  .charts { grid-template-columns: 1fr 1fr; }
  section.pagebreak { break-before: page; }
}
"""
