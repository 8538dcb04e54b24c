// titlegraph web page: plain DOM calls against the JSON API, no build step.
// Text from the API is always set with textContent, never parsed as HTML.
"use strict";

const $ = (selector) => document.querySelector(selector);
const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_BARS = 15;

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch (error) { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    const failure = new Error(message);
    failure.status = response.status;
    failure.code = body && body.error ? body.error.code : null;
    throw failure;
  }
  return body;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function showMessage(target, text, isError = false) {
  target.textContent = text || "";
  target.classList.toggle("error", Boolean(isError));
}

// Horizontal bar chart: one row per entry, label on the left, value at the bar's end.
function drawBars(svg, entries, valueOf, formatValue, observed) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const rows = entries.slice(0, MAX_BARS);
  const rowHeight = 22, labelWidth = 150, valueWidth = 60, width = 520;
  svg.setAttribute("viewBox", `0 0 ${width} ${Math.max(rows.length, 1) * rowHeight + 6}`);
  svg.dataset.bars = String(rows.length);
  const max = Math.max(...rows.map(valueOf), 1e-9);
  rows.forEach((entry, index) => {
    const y = index * rowHeight + 3;
    const label = document.createElementNS(SVG_NS, "text");
    label.setAttribute("x", "0");
    label.setAttribute("y", String(y + 14));
    label.textContent = `${entry.country} ${entry.name || ""}`.slice(0, 24);
    const bar = document.createElementNS(SVG_NS, "rect");
    const barWidth = Math.max(2, (width - labelWidth - valueWidth) * valueOf(entry) / max);
    bar.setAttribute("x", String(labelWidth));
    bar.setAttribute("y", String(y));
    bar.setAttribute("height", String(rowHeight - 6));
    bar.setAttribute("width", String(barWidth));
    bar.setAttribute("class", observed ? "bar observed" : "bar");
    const value = document.createElementNS(SVG_NS, "text");
    value.setAttribute("x", String(labelWidth + barWidth + 4));
    value.setAttribute("y", String(y + 14));
    value.textContent = formatValue(entry);
    svg.append(label, bar, value);
  });
}

function fillComps(table, comps, onPick) {
  const body = table.querySelector("tbody");
  body.replaceChildren();
  comps.forEach((comp) => {
    const row = element("tr");
    row.append(element("td", String(comp.rank)));
    const cell = element("td");
    const link = element("a", comp.title);
    link.tabIndex = 0;
    link.addEventListener("click", () => onPick(comp.id));
    cell.append(link, element("span", comp.kind, "kind"));
    row.append(cell, element("td", comp.score.toFixed(3)));
    const why = [...comp.shared_genres, ...comp.shared_tags].join(", ");
    row.append(element("td", why || "-", "why"));
    body.append(row);
  });
}

async function search(event) {
  event.preventDefault();
  const list = $("#search-results");
  list.replaceChildren();
  const params = new URLSearchParams({ q: $("#search-input").value, limit: "10" });
  if ($("#search-type").value) params.set("type", $("#search-type").value);
  try {
    const body = await api(`/v1/titles?${params}`);
    if (!body.results.length) list.append(element("li", "no title found"));
    body.results.forEach((hit) => {
      const item = element("li");
      item.tabIndex = 0;
      item.dataset.id = hit.id;
      item.append(element("span", hit.title), element("span", `${hit.kind}${hit.year ? " " + hit.year : ""}`, "kind"));
      item.addEventListener("click", () => showTitle(hit.id));
      item.addEventListener("keydown", (key) => { if (key.key === "Enter") showTitle(hit.id); });
      list.append(item);
    });
  } catch (error) {
    list.append(element("li", error.message, "message error"));
  }
}

async function showTitle(titleId) {
  $("#title-section").hidden = false;
  try {
    const title = await api(`/v1/titles/${encodeURIComponent(titleId)}`);
    $("#title-heading").textContent = title.title;
    $("#title-meta").textContent = [title.kind, title.year, title.genres.join(", "),
      title.countries.join(", ")].filter(Boolean).join(" · ");
    $("#title-summary").textContent = title.summary || "";
  } catch (error) {
    $("#title-heading").textContent = error.message;
    return;
  }
  loadComps(titleId);
  loadAudience(titleId);
}

async function loadComps(titleId) {
  const message = $("#comps-message");
  showMessage(message, "loading ...");
  try {
    const body = await api(`/v1/titles/${encodeURIComponent(titleId)}/similar?k=10`);
    fillComps($("#comps"), body.similar, showTitle);
    showMessage(message, body.similar.length ? `model ${body.model_version}` : "no comps stored");
  } catch (error) {
    fillComps($("#comps"), [], showTitle);
    showMessage(message, error.message, true);
  }
}

async function loadAudience(titleId) {
  const message = $("#audience-message");
  const svg = $("#audience-chart");
  try {
    const body = await api(`/v1/titles/${encodeURIComponent(titleId)}/audience`);
    loadReach(titleId, body.viewing);
    if (body.audience.length) {
      $("#audience-heading").textContent = "Expected audience by country (p_chart)";
      drawBars(svg, body.audience, (e) => e.p_chart, (e) => `${Math.round(e.p_chart * 100)}%`, false);
      // While Neo4j is away the answer comes from the model alone and says so (graph_unavailable).
      const degraded = body.warnings.filter((w) => w.code === "graph_unavailable").map((w) => w.message);
      showMessage(message, [`model ${body.model_version}`, ...degraded].join(" "));
      drawWorldSafely($("#audience-world"), body.audience, { label: "expected audience by country on a world map" });
    } else {
      // No predictions yet: show the real chart history, labelled as such.
      $("#audience-heading").textContent = "Observed weeks in the top 10 (no predictions yet)";
      const observed = body.observed || [];  // absent while Neo4j is away (graph_unavailable)
      const byWeeks = [...observed].sort((a, b) => b.weeks_in_top10 - a.weeks_in_top10);
      drawBars(svg, byWeeks, (e) => e.weeks_in_top10, (e) => `${e.weeks_in_top10} wk`, true);
      showMessage(message, observed.length || body.warnings.length ? body.warnings.map((w) => w.message).join(" ")
        : "never charted, and no audience predictions yet");
      drawWorldSafely($("#audience-world"), observed, { observed: true, label: "observed weeks in the top 10 on a world map" });
    }
  } catch (error) {
    drawBars(svg, [], () => 0, () => "", true);
    drawWorldSafely($("#audience-world"), []);
    showMessage(message, error.message, true);
  }
}

// "How many": the viewing forecast as one sentence (hours and views, median and 80% interval).
function millions(value) {
  return value >= 1e6 ? `${(value / 1e6).toFixed(1)}M` : `${Math.round(value / 1e3)}k`;
}

function viewingText(viewing) {
  if (!viewing) return "no viewing forecast in this model version";
  const { hours, views } = viewing;
  return `First ${viewing.horizon_weeks} weeks worldwide: ${millions(hours.p50)} hours ` +
    `(80% interval ${millions(hours.p10)} to ${millions(hours.p90)}), about ${millions(views.p50)} views.`;
}

// The localization plan's languages after the title's own: name, dub or subtitles, cumulative share.
function fillLanguages(list, plan) {
  list.replaceChildren();
  if (!plan) return;
  plan.languages.forEach((language) => {
    const share = `${Math.round(language.cumulative_share * 100)}% of the expected audience reached`;
    list.append(element("li", `${language.name} (${language.treatment}): ${share}`));
  });
}

async function loadReach(titleId, viewing) {
  $("#title-viewing").textContent = viewingText(viewing);
  try {
    const body = await api(`/v1/titles/${encodeURIComponent(titleId)}/localization`);
    fillLanguages($("#title-languages"), body.plan);
  } catch (error) {
    $("#title-languages").replaceChildren(element("li", error.message, "message error"));
  }
}

// The world map (world.js) is an extra: if it cannot draw, the bars and tables still stand.
function drawWorldSafely(container, entries, options = {}) {
  if (!window.worldMap) return;
  window.worldMap.draw(container, entries, options).catch((error) => {
    container.replaceChildren(element("div", `world map: ${error.message}`, "message error"));
  });
}

function listField(form, name) {
  return form.elements[name].value.split(",").map((part) => part.trim()).filter(Boolean);
}

async function predict(event) {
  event.preventDefault();
  const form = event.target;
  const message = $("#predict-message");
  const payload = {
    title: form.elements.title.value, type: form.elements.type.value, summary: form.elements.summary.value,
    genres: listField(form, "genres"), tags: listField(form, "tags"),
    countries: listField(form, "countries"), cast: listField(form, "cast"), director: listField(form, "director"),
  };
  for (const name of ["year", "duration_minutes", "season"]) {
    if (form.elements[name].value) payload[name] = Number(form.elements[name].value);
  }
  if (form.elements.launch_date.value) payload.launch_date = form.elements.launch_date.value;
  showMessage(message, "predicting ...");
  $("#predict-warnings").replaceChildren();
  try {
    const body = await api("/v1/predict?k=10&plan=true", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
    });
    $("#predict-output").hidden = false;
    $("#predict-reach").hidden = false;
    $("#predict-viewing").textContent = viewingText(body.viewing);
    fillLanguages($("#predict-languages"), body.plan);
    fillComps($("#predict-comps"), body.similar, showTitle);
    drawBars($("#predict-chart"), body.audience, (e) => e.p_chart, (e) => `${Math.round(e.p_chart * 100)}%`, false);
    $("#predict-world-block").hidden = !body.audience.length;
    drawWorldSafely($("#predict-world"), body.audience, { label: "expected audience of the new title on a world map" });
    showMessage($("#predict-audience-message"), body.audience.length ? "probability of entering the weekly top 10"
      : "no audience model is loaded yet: no prediction to show");
    body.warnings.forEach((w) => $("#predict-warnings").append(element("li", w.message)));
    showMessage(message, `model ${body.model_version}`);
  } catch (error) {
    $("#predict-output").hidden = true;
    $("#predict-reach").hidden = true;
    showMessage(message, error.message, true);
  }
}

$("#search-form").addEventListener("submit", search);
$("#predict-form").addEventListener("submit", predict);
