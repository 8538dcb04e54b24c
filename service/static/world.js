// The world map of a title's audience: a choropleth of /static/world.json (Natural Earth shapes
// projected by titlegraph/world.py; nothing comes from the network but this server). Countries
// too small to see get a dot. Hovering a country lists every value its audience entry has.
// Uses element() and SVG_NS from app.js; text is set with textContent.
"use strict";

// What the colour shows: the first measure any entry has a number for. The docs pictures
// (training/audience_map.py) choose the same way.
const WORLD_MEASURES = [
  { field: "expected_hours", label: "expected hours viewed, first 4 weeks", unit: "hours", log: true },
  { field: "expected_weeks", label: "expected weeks in the top 10, first 8 weeks", unit: "weeks" },
  { field: "weeks_in_top10", label: "observed weeks in the top 10", unit: "weeks" },
];
// Every value a tooltip may show, in this order; fields an entry lacks are left out.
const WORLD_FIELDS = [
  { field: "expected_hours", label: "expected hours (first 4 weeks)", format: (v) => compactNumber(v) },
  { field: "audience_index", label: "audience index (1 = average title)", format: (v) => v.toFixed(2) },
  { field: "p_chart", label: "chance of the top 10", format: (v) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%` },
  { field: "expected_weeks", label: "expected weeks in the top 10", format: (v) => v.toFixed(1) },
  { field: "observed_weeks", label: "observed weeks in the top 10", format: (v) => String(v) },
  { field: "weeks_in_top10", label: "weeks in the top 10", format: (v) => String(v) },
  { field: "best_rank", label: "best rank", format: (v) => `#${v}` },
];
// ColorBrewer YlGnBu (predictions) and YlOrBr (observed history), as matplotlib's colormaps.
const WORLD_PALETTES = {
  predicted: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"],
  observed: ["#ffffe5", "#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#993404", "#662506"],
};
const WORLD_DOT_RADIUS = 3.2;
let worldGeometry = null;

function compactNumber(value) {
  return new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

function loadWorld() {
  if (!worldGeometry) {
    worldGeometry = fetch("/static/world.json").then((response) => {
      if (!response.ok) throw new Error(`world map: HTTP ${response.status}`);
      return response.json();
    });
    worldGeometry.catch(() => { worldGeometry = null; });  // a later title tries again
  }
  return worldGeometry;
}

function pickMeasure(entries) {
  return WORLD_MEASURES.find((measure) => entries.some((entry) => finite(entry[measure.field]))) || null;
}

// A round upper end for a linear scale: 1, 2, 2.5 or 5 times a power of ten.
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((step) => step * power).find((top) => top >= value * 0.999);
}

// Where values sit on the colour ramp (0..1) and the legend's ticks; log for hours over 2 decades.
function colourScale(values, measure) {
  const positive = values.filter((v) => v > 0);
  const max = Math.max(...values, 0);
  if (measure.log && positive.length) {
    const low = Math.floor(Math.log10(Math.min(...positive)));
    const high = Math.max(Math.ceil(Math.log10(max)), low + 1);
    if (high - low >= 2) {
      const ticks = [];
      for (let power = low; power <= high; power += Math.ceil((high - low) / 5)) ticks.push(10 ** power);
      return {
        position: (v) => (v > 0 ? Math.min(1, Math.max(0, (Math.log10(v) - low) / (high - low))) : 0),
        ticks, log: true,
      };
    }
  }
  const top = niceCeiling(max);
  return { position: (v) => Math.min(1, Math.max(0, v / top)), ticks: [0, top / 4, top / 2, (3 * top) / 4, top], log: false };
}

function rampColour(palette, position) {
  const scaled = position * (palette.length - 1);
  const index = Math.min(palette.length - 2, Math.floor(scaled));
  const mix = scaled - index;
  const channel = (hex, offset) => parseInt(hex.slice(offset, offset + 2), 16);
  const rgb = [1, 3, 5].map((offset) => Math.round(
    channel(palette[index], offset) * (1 - mix) + channel(palette[index + 1], offset) * mix));
  return `rgb(${rgb.join(",")})`;
}

function svgNode(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, String(value)));
  return node;
}

function tickLabel(value, scale) {
  if (scale.log || value >= 1000) return compactNumber(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function drawLegend(measure, scale, palette) {
  const width = 260, barTop = 18;
  const legend = svgNode("svg", { class: "world-legend", viewBox: `0 0 ${width + 150} 44`, role: "img",
    "aria-label": `colour scale: ${measure.label}` });
  const id = `world-ramp-${Math.random().toString(36).slice(2, 8)}`;
  const gradient = svgNode("linearGradient", { id });
  palette.forEach((colour, index) => gradient.append(svgNode("stop", {
    offset: `${(100 * index) / (palette.length - 1)}%`, "stop-color": colour })));
  const defs = svgNode("defs");
  defs.append(gradient);
  const title = svgNode("text", { x: 0, y: 11, class: "world-legend-title" });
  title.textContent = `${measure.label} (${measure.unit}${scale.log ? ", log scale" : ""})`;
  const bar = svgNode("rect", { x: 0, y: barTop, width, height: 10, fill: `url(#${id})`, stroke: "#b9c0cf" });
  legend.append(defs, title, bar);
  scale.ticks.forEach((tick) => {
    const x = scale.position(tick) * width;
    legend.append(svgNode("line", { x1: x, x2: x, y1: barTop + 10, y2: barTop + 14, stroke: "#5b6475" }));
    const label = svgNode("text", { x, y: barTop + 25, "text-anchor": "middle" });
    label.textContent = tickLabel(tick, scale);
    legend.append(label);
  });
  const none = svgNode("rect", { x: width + 24, y: barTop, width: 14, height: 10, class: "world-none" });
  const noneLabel = svgNode("text", { x: width + 42, y: barTop + 9 });
  noneLabel.textContent = "no value";
  legend.append(none, noneLabel);
  return legend;
}

function tooltipLines(country, entry) {
  const name = (entry && entry.name) || country.name || country.iso2;
  const lines = [`${name}${country.iso2 ? ` (${country.iso2})` : ""}`];
  if (!entry) return [...lines, "no value for this title"];
  WORLD_FIELDS.forEach(({ field, label, format }) => {
    if (finite(entry[field])) lines.push(`${label}: ${format(entry[field])}`);
  });
  return lines;
}

function showWorldTooltip(frame, tooltip, lines, clientX, clientY) {
  tooltip.replaceChildren(...lines.map((line, index) => element("div", line, index ? "" : "world-tip-name")));
  tooltip.hidden = false;
  const box = frame.getBoundingClientRect();
  const x = clientX - box.left, y = clientY - box.top;
  const leftSide = x > box.width - 240;
  tooltip.style.left = `${leftSide ? x - 12 : x + 12}px`;
  tooltip.style.top = `${y + 12}px`;
  tooltip.style.transform = leftSide ? "translateX(-100%)" : "none";
}

// Draw `entries` (audience entries, or chart history with weeks_in_top10) into `container`.
async function drawWorld(container, entries, options = {}) {
  const list = Array.isArray(entries) ? entries.filter((entry) => entry && entry.country) : [];
  const request = (container.worldRequest || 0) + 1;
  container.worldRequest = request;
  container.dataset.state = "loading";
  let geometry;
  try {
    geometry = await loadWorld();
  } catch (error) {
    container.replaceChildren(element("div", error.message, "message error"));
    container.dataset.state = "error";
    return;
  }
  if (container.worldRequest !== request) return;  // a newer title was drawn meanwhile
  const byCountry = new Map(list.map((entry) => [String(entry.country).toUpperCase(), entry]));
  const measure = pickMeasure(list);
  const values = measure ? list.map((e) => e[measure.field]).filter(finite) : [];
  const scale = measure ? colourScale(values, measure) : null;
  const palette = WORLD_PALETTES[options.observed ? "observed" : "predicted"];
  const colourOf = (entry) => (scale && entry && finite(entry[measure.field])
    ? rampColour(palette, scale.position(entry[measure.field])) : null);

  const frame = element("div", null, "world-frame");
  const svg = svgNode("svg", { class: "world-map", viewBox: `0 0 ${geometry.width} ${geometry.height}`,
    role: "img", "aria-label": options.label || "audience by country on a world map" });
  const shapes = svgNode("g", { class: "world-shapes" });
  const dots = svgNode("g", { class: "world-dots" });
  const onMap = new Set();
  geometry.countries.forEach((country) => {
    const entry = country.iso2 ? byCountry.get(country.iso2) : undefined;
    const colour = colourOf(entry);
    if (country.iso2) onMap.add(country.iso2);
    if (country.path) {
      const path = svgNode("path", { d: country.path, class: colour ? "world-country" : "world-country world-none" });
      if (colour) path.style.fill = colour;
      path.dataset.country = country.iso2;
      shapes.append(path);
    }
    // A dot only where there is something to show: tiny islands without data would be clutter.
    if (country.dot && country.anchor && entry) {
      const dot = svgNode("circle", { cx: country.anchor[0], cy: country.anchor[1], r: WORLD_DOT_RADIUS,
        class: colour ? "world-dot" : "world-dot world-none" });
      if (colour) dot.style.fill = colour;
      dot.dataset.country = country.iso2;
      dots.append(dot);
    }
  });
  svg.append(shapes, dots);
  const tooltip = element("div", null, "world-tooltip");
  tooltip.hidden = true;
  frame.append(svg, tooltip);
  const names = new Map(geometry.countries.map((country) => [country.iso2, country]));
  svg.worldCountries = names;
  let hovered = null;
  svg.addEventListener("pointermove", (event) => {
    const target = event.target.closest ? event.target.closest("[data-country]") : null;
    if (hovered && hovered !== target) hovered.classList.remove("hover");
    hovered = target;
    if (!target) { tooltip.hidden = true; return; }
    target.classList.add("hover");
    const iso2 = target.dataset.country;
    const country = names.get(iso2) || { iso2, name: iso2 };
    showWorldTooltip(frame, tooltip, tooltipLines(country, byCountry.get(iso2)), event.clientX, event.clientY);
  });
  svg.addEventListener("pointerleave", () => {
    if (hovered) hovered.classList.remove("hover");
    hovered = null;
    tooltip.hidden = true;
  });

  const parts = [frame];
  if (measure) parts.push(drawLegend(measure, scale, palette));
  const missing = [...byCountry.keys()].filter((iso2) => !onMap.has(iso2)).sort();
  if (missing.length) parts.push(element("p", `Not on the map: ${missing.join(", ")}`, "meta world-missing"));
  if (!list.length) parts.push(element("p", "No country values to show.", "meta"));
  container.replaceChildren(...parts);
  container.dataset.measure = measure ? measure.field : "";
  container.dataset.countries = String(list.length);
  container.dataset.state = "drawn";
}

// For the page test: a point (client pixels, inside the viewport) where the mouse reaches `iso2`'s
// shape or dot, or null: the anchor and a few points round it (a neighbour's dot may cover it).
function hoverPoint(container, iso2) {
  const svg = container.querySelector(".world-map");
  const country = svg && (svg.worldCountries || new Map()).get(iso2);
  if (!country || !country.anchor) return null;
  const matrix = svg.getScreenCTM();
  const offsets = [[0, 0]];
  for (const radius of [1.5, 3, 4.5]) {
    for (let step = 0; step < 8; step += 1) {
      offsets.push([radius * Math.cos(step * Math.PI / 4), radius * Math.sin(step * Math.PI / 4)]);
    }
  }
  for (const [dx, dy] of offsets) {
    const screen = new DOMPoint(country.anchor[0] + dx, country.anchor[1] + dy).matrixTransform(matrix);
    const hit = document.elementFromPoint(screen.x, screen.y);
    const mark = hit && hit.closest ? hit.closest("[data-country]") : null;
    if (mark && mark.dataset.country === iso2 && svg.contains(mark)) return [screen.x, screen.y];
  }
  return null;
}

window.worldMap = { draw: drawWorld, hoverPoint };
