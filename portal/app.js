// Rebate accrual balance — the partner portal page. No framework: a few fetches and DOM/SVG.
// Money arrives as decimal strings and is shown as such; numbers are parsed only to size bars.

(() => {
  const TOKEN_KEY = 'rebates.portal.token';
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  // A link `…/#token=<token>` signs in: keep the token for this tab, strip it from the address bar.
  function takeTokenFromFragment() {
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (!match) return;
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = body?.error ? body.error : { code: 'unknown', message: `The server answered ${response.status}.` };
      throw new ApiError(response.status, error.code, error.message);
    }
    return body;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** '1234567.5' → '1 234 567.50' for reading; the string itself stays exact. */
  function money(amount) {
    const negative = amount.startsWith('-');
    const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
    return `${negative ? '−' : ''}${grouped}.${fraction.padEnd(2, '0')}`;
  }

  /** '0.10' → '10%', by moving the decimal point (no floating point). */
  function percent(rate) {
    const [whole, fraction = ''] = rate.split('.');
    const digits = (whole + fraction.padEnd(2, '0')).replace(/^0+(?=\d)/, '');
    const point = digits.length - (fraction.length > 2 ? fraction.length - 2 : 0);
    const text = fraction.length > 2 ? `${digits.slice(0, point)}.${digits.slice(point)}` : digits;
    return `${text.replace(/^\./, '0.')}%`;
  }

  function show(section) {
    for (const id of ['sign-in', 'loading', 'failure', 'content']) $(id).hidden = id !== section;
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('who').hidden = true;
    $('sign-in-error').hidden = !message;
    $('sign-in-error').textContent = message || '';
    show('sign-in');
  }

  function fail(error) {
    if (error instanceof ApiError && error.status === 401) return signOut(error.message);
    $('failure-text').textContent = `Could not load your rebates: ${error.message}`;
    show('failure');
  }

  function renderBalances(balance) {
    const box = $('balances');
    box.replaceChildren();
    if (balance.balances.length === 0) {
      box.append(el('p', { class: 'empty' }, 'No rebates posted yet.'));
      return;
    }
    for (const b of balance.balances) {
      box.append(
        el(
          'div',
          { class: 'balance', 'data-currency': b.currency, 'data-amount': b.amount },
          el('span', { class: 'amount' }, money(b.amount)),
          el('span', { class: 'currency' }, b.currency),
        ),
      );
    }
  }

  function niceStep(range) {
    const rough = range / 4;
    const power = 10 ** Math.floor(Math.log10(rough));
    return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) || rough;
  }

  // One chart per currency (amounts of different currencies never share an axis).
  function renderChart(currency, rows, preview) {
    const W = 480,
      H = 240,
      left = 58,
      right = 8,
      top = 26,
      bottom = 44;
    const values = rows.flatMap((r) => [Number(r.accrued), Number(r.adjusted), Number(r.total)]);
    if (preview) values.push(Number(preview.amount));
    const max = Math.max(0, ...values),
      min = Math.min(0, ...values);
    const step = niceStep(max - min || 1);
    const hi = Math.ceil(max / step) * step || step;
    // Below zero only as far as a negative adjustment reaches (a small one should not halve the chart).
    const lo = min < 0 ? -Math.max(-min * 1.15, hi * 0.04) : 0;
    const y = (v) => top + ((hi - v) / (hi - lo)) * (H - top - bottom);
    const slots = rows.length + (preview ? 1 : 0);
    const slot = (W - left - right) / Math.max(slots, 1);
    const bar = Math.min(34, slot / 3);

    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Rebates per quarter in ${currency}` });
    const defs = svg('defs');
    const hatch = svg('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    hatch.append(
      svg('rect', { width: 6, height: 6, fill: '#fbf3e4' }),
      svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#e0b36a', 'stroke-width': 3 }),
    );
    defs.append(hatch);
    chart.append(defs);
    for (let v = Math.ceil(lo / step) * step; v <= hi + step / 2; v += step) {
      chart.append(svg('line', { class: Math.abs(v) < step / 1e6 ? 'zero' : 'axis', x1: left, x2: W - right, y1: y(v), y2: y(v) }));
      chart.append(
        svg(
          'text',
          { class: 'label', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' },
          Math.abs(v) < step / 1e6 ? '0' : v.toLocaleString('en-US', { maximumFractionDigits: 2 }),
        ),
      );
    }
    const barRect = (cls, x, value) =>
      svg('rect', { class: cls, x, width: bar, y: Math.min(y(value), y(0)), height: Math.max(1, Math.abs(y(value) - y(0))) });
    rows.forEach((r, i) => {
      const cx = left + slot * i + slot / 2;
      const g = svg('g', {
        class: 'quarter',
        'data-quarter': r.quarter,
        'data-currency': currency,
        'data-accrued': r.accrued,
        'data-adjusted': r.adjusted,
        'data-total': r.total,
      });
      g.append(barRect('bar-accrual', cx - bar - 1, Number(r.accrued)));
      if (Number(r.adjusted) !== 0)
        g.append(barRect(r.adjusted.startsWith('-') ? 'bar-adjust-down' : 'bar-adjust-up', cx + 1, Number(r.adjusted)));
      g.append(
        svg(
          'text',
          { class: 'total', x: cx, y: Math.min(y(Number(r.accrued)), y(Number(r.adjusted)), y(0)) - 7, 'text-anchor': 'middle' },
          money(r.total),
        ),
      );
      g.append(svg('text', { class: 'label', x: cx, y: H - bottom + 18, 'text-anchor': 'middle' }, r.quarter));
      if (r.adjusted !== '0.00')
        g.append(
          svg(
            'text',
            { class: r.adjusted.startsWith('-') ? 'adj-down' : 'adj-up', x: cx, y: H - bottom + 33, 'text-anchor': 'middle' },
            `adj. ${money(r.adjusted)}`,
          ),
        );
      chart.append(g);
    });
    if (preview) {
      const cx = left + slot * rows.length + slot / 2;
      const g = svg('g', {
        class: 'preview',
        'data-preview': 'true',
        'data-quarter': preview.quarter,
        'data-currency': currency,
        'data-amount': preview.amount,
      });
      g.append(barRect('bar-preview', cx - bar / 2, Number(preview.amount)));
      g.append(
        svg(
          'text',
          { class: 'preview-label', x: cx, y: Math.min(y(Number(preview.amount)), y(0)) - 7, 'text-anchor': 'middle' },
          money(preview.amount),
        ),
      );
      g.append(svg('text', { class: 'preview-label', x: cx, y: H - bottom + 18, 'text-anchor': 'middle' }, preview.quarter));
      g.append(svg('text', { class: 'preview-label', x: cx, y: H - bottom + 33, 'text-anchor': 'middle' }, 'preview'));
      chart.append(g);
    }
    return el('figure', { class: 'chart', 'data-currency': currency }, el('h3', {}, currency), chart);
  }

  function renderCharts(quarters, current) {
    const box = $('charts');
    box.replaceChildren();
    const currencies = [...new Set([...quarters.quarters.map((q) => q.currency), ...current.totals.map((t) => t.currency)])].sort();
    if (currencies.length === 0) {
      box.append(el('p', { class: 'empty' }, 'Nothing posted yet. Rebates are posted after each quarter closes.'));
      return;
    }
    for (const currency of currencies) {
      const total = current.totals.find((t) => t.currency === currency);
      box.append(
        renderChart(
          currency,
          quarters.quarters.filter((q) => q.currency === currency),
          total && { quarter: current.quarter, amount: total.amount },
        ),
      );
    }
  }

  function table(headers, rows) {
    const head = el('tr', {}, ...headers.map(([text, cls]) => el('th', { class: cls || '' }, text)));
    return el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
  }

  function renderPreview(current) {
    $('preview-quarter').textContent = current.quarter;
    $('preview-hint').textContent = current.through
      ? `What ${current.quarter} would accrue if it closed now, from usage ${current.from} – ${current.through} (Moscow time). It is not posted and not part of your balance.`
      : `${current.quarter} has just started; the preview starts tomorrow.`;
    const body = $('preview-body');
    body.replaceChildren();
    if (current.lines.length === 0) {
      body.append(el('p', { class: 'empty' }, 'No eligible usage in this quarter so far.'));
      return;
    }
    body.append(
      table(
        [['Specialization'], ['Basis', 'num opt'], ['Would accrue', 'num']],
        current.lines.map((l) =>
          el(
            'tr',
            { 'data-currency': l.currency, 'data-amount': l.amount },
            el('td', {}, l.specialization),
            el('td', { class: 'num opt' }, `${money(l.base)} ${l.currency}`),
            el('td', { class: 'num' }, `${money(l.amount)} ${l.currency}`),
          ),
        ),
      ),
    );
  }

  async function renderBreakdown(quarter) {
    const box = $('breakdown');
    if (!quarter) {
      box.replaceChildren(el('p', { class: 'empty' }, 'No posted quarter yet.'));
      return;
    }
    box.replaceChildren(el('p', { class: 'empty' }, `Loading ${quarter}…`));
    let detail;
    try {
      detail = await api(`/v1/quarters/${encodeURIComponent(quarter)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return signOut(error.message);
      box.replaceChildren(el('p', { class: 'error' }, `Could not load ${quarter}: ${error.message}`));
      return;
    }
    const rows = [];
    for (const line of detail.lines) {
      rows.push(
        el(
          'tr',
          { class: 'group', 'data-specialization': line.specialization, 'data-currency': line.currency, 'data-amount': line.amount },
          el('td', {}, `${line.specialization} · ${line.currency}`),
          el('td', { class: 'opt' }, ''),
          el('td', { class: 'num opt' }, money(line.base)),
          el('td', { class: 'num' }, `${money(line.amount)} ${line.currency}`),
        ),
      );
      for (const d of line.details) {
        rows.push(
          el(
            'tr',
            {},
            el('td', {}, d.subaccountId, el('div', { class: 'sub' }, d.serviceName || d.serviceId)),
            el('td', { class: 'opt' }, `${percent(d.rate)} · rules ${d.rulesVersion}`),
            el('td', { class: 'num opt' }, money(d.base)),
            el('td', { class: 'num' }, `${money(d.share)} ${d.currency}`),
          ),
        );
      }
    }
    const parts = [table([['Subaccount · service'], ['Rate · rules', 'opt'], ['Basis', 'num opt'], ['Amount · exact share', 'num']], rows)];
    if (detail.entries.length > 0) {
      parts.push(
        el('h3', { class: 'entries' }, 'Posted to your ledger'),
        table(
          [['Posted'], ['Specialization'], ['Kind'], ['Amount', 'num']],
          detail.entries.map((e) =>
            el(
              'tr',
              {},
              el('td', { class: 'nowrap' }, e.postedAt.slice(0, 10)),
              el('td', {}, e.specialization),
              el('td', {}, e.kind),
              el('td', { class: 'num' }, `${money(e.amount)} ${e.currency}`),
            ),
          ),
        ),
      );
    }
    box.replaceChildren(...parts);
  }

  async function load() {
    show('loading');
    try {
      const [balance, quarters, current] = await Promise.all([api('/v1/balance'), api('/v1/quarters'), api('/v1/current')]);
      $('partner-id').textContent = balance.partnerId;
      $('who').hidden = false;
      renderBalances(balance);
      renderCharts(quarters, current);
      renderPreview(current);
      const list = [...new Set(quarters.quarters.map((q) => q.quarter))].sort().reverse();
      const select = $('quarter-select');
      select.replaceChildren(...list.map((q) => el('option', { value: q }, q)));
      show('content');
      await renderBreakdown(list[0]);
    } catch (error) {
      fail(error);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    takeTokenFromFragment();
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token').value = '';
      void load();
    });
    $('sign-out').addEventListener('click', () => signOut(''));
    $('retry').addEventListener('click', () => load());
    $('quarter-select').addEventListener('change', (event) => renderBreakdown(event.target.value));
    if (sessionStorage.getItem(TOKEN_KEY)) void load();
    else signOut('');
  });
})();
