export const PAYMENTS_STYLES = `
input[type=number] { width: 6rem; }
/* On a phone the amounts give way to what the page is for: the counts, whether they match, and the switches. */
@media (max-width: 30rem) { #summary .ours-amount, #summary .theirs-amount { display: none; } #summary input[type=number] { width: 4rem; } }
td.match.ok { color: var(--ok); } td.match.in-flight { color: var(--warn); } td.match.mismatch { color: var(--bad); font-weight: 600; }
#load { padding: 1rem; border: 1px solid var(--line); border-radius: 8px; display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: center; }
#load .output { flex-basis: 100%; }
#result.error { color: var(--bad); }
.chart { max-width: 100%; height: auto; } .chart text { font: 11px system-ui, sans-serif; fill: var(--fg); } .chart .label { font-size: 12px; font-weight: 600; }
.chart .small { font-size: 10px; fill: var(--muted); } .chart .grid { stroke: var(--line); } .chart .bar { fill: #8fb8de; } .chart .fail { fill: #c0392b; }
`;

/** The payments page's HTML: our summary beside each processor's, processor controls, and a short load with its chart. */
export function paymentsBody(base: string): string {
  return `<h1>Payments</h1>
<p class="lead">The Rinha de Backend 2025 intermediary: <code>POST ${base}/payments</code> answers at once, then each payment goes to the
default processor (cheaper) or the fallback. Our summary (ours) must match each processor's own (theirs), payment for payment, once none is in flight.</p>
<div class="scroll"><table id="summary">
  <thead><tr><th>processor</th><th class="num">ours</th><th class="num ours-amount">ours: amount</th><th class="num">theirs</th><th class="num theirs-amount">theirs: amount</th><th>match</th><th>delay ms</th><th>failing</th></tr></thead>
  <tbody></tbody>
</table></div>
<p id="queue" class="hint">queue: …</p>
<section id="load">
  <label>rate/s <input id="rate" type="number" value="300" min="1" max="2000"></label>
  <label>seconds <input id="seconds" type="number" value="5" min="1" max="20"></label>
  <button id="run" type="button">Run load</button>
  <button id="purge" type="button" class="secondary">Purge…</button>
  <div id="result" class="output" aria-live="polite"></div>
  <div id="chart" class="output"></div>
</section>`;
}
