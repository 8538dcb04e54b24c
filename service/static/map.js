// The content map: a canvas scatter of GET /v1/map coloured by facet cluster. The wheel zooms
// about the cursor, a drag pans, hovering names a title, a click lists its content comps.
// Uses api(), element(), showMessage() and showTitle() from app.js; text is set with textContent.
"use strict";

// The colours of training/content_map.py (docs/content_map.png), by cluster id.
const MAP_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#e6ab02", "#c51b7d", "#00796b", "#a6761d", "#6b6ecf"];
const HOVER_PIXELS = 8;
const CLICK_PIXELS = 4;
const MAP_COMPS = 5;

const mapView = {
  points: [], clusters: [], byCluster: new Map(), byId: new Map(), anchors: new Map(),
  zoom: 1, panX: 0, panY: 0, width: 0, height: 0,
  hover: null, selected: null, comps: [], focus: null, frame: 0, request: 0, drag: null,
};

function mapColour(cluster) {
  return MAP_COLOURS[cluster % MAP_COLOURS.length];
}

function mapScale() {
  return (Math.min(mapView.width, mapView.height) / 2) * 0.92 * mapView.zoom;
}

// Map coordinates are in [-1, 1], y up; screen coordinates are CSS pixels of the canvas.
function toScreen(point) {
  const scale = mapScale();
  return [mapView.width / 2 + point.x * scale + mapView.panX, mapView.height / 2 - point.y * scale + mapView.panY];
}

function dotRadius() {
  const base = mapView.points.length > 3000 ? 1.8 : mapView.points.length > 300 ? 2.8 : 5;
  return Math.min(base * Math.sqrt(mapView.zoom), base * 3);
}

function requestDraw() {
  if (!mapView.frame) mapView.frame = requestAnimationFrame(() => { mapView.frame = 0; drawMap(); });
}

function resizeMap() {
  const canvas = $("#map-canvas");
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  mapView.width = box.width;
  mapView.height = box.height;
  canvas.width = Math.round(box.width * ratio);
  canvas.height = Math.round(box.height * ratio);
  canvas.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
  requestDraw();
}

function drawMap() {
  const context = $("#map-canvas").getContext("2d");
  context.clearRect(0, 0, mapView.width, mapView.height);
  const radius = dotRadius();
  // One path per cluster: 10k arcs filled in 16 calls instead of 10k.
  for (const [cluster, members] of mapView.byCluster) {
    context.globalAlpha = mapView.focus === null || mapView.focus === cluster ? 0.78 : 0.1;
    context.fillStyle = mapColour(cluster);
    context.beginPath();
    for (const point of members) {
      const [x, y] = toScreen(point);
      if (x < -radius || y < -radius || x > mapView.width + radius || y > mapView.height + radius) continue;
      context.moveTo(x + radius, y);
      context.arc(x, y, radius, 0, 2 * Math.PI);
    }
    context.fill();
  }
  // Names fade and go under the selection: they must not hide the picked title or its comps.
  context.globalAlpha = mapView.selected ? 0.35 : 1;
  drawClusterNames(context);
  context.globalAlpha = 1;
  drawSelection(context, radius);
  if (mapView.hover) ring(context, toScreen(mapView.hover), radius + 3, "#1d2330", 2);
}

function ring(context, [x, y], radius, colour, width) {
  context.beginPath();
  context.arc(x, y, radius, 0, 2 * Math.PI);
  context.strokeStyle = colour;
  context.lineWidth = width;
  context.stroke();
}

// The selected title, lines to its comps, and a ring round each comp.
function drawSelection(context, radius) {
  if (!mapView.selected) return;
  const from = toScreen(mapView.selected);
  context.strokeStyle = "rgba(29, 35, 48, 0.55)";
  context.lineWidth = 1.2;
  for (const comp of mapView.comps) {
    const point = mapView.byId.get(comp.id);
    if (!point) continue;
    const to = toScreen(point);
    context.beginPath();
    context.moveTo(from[0], from[1]);
    context.lineTo(to[0], to[1]);
    context.stroke();
    ring(context, to, radius + 2.5, "#1d2330", 1.5);
  }
  ring(context, from, radius + 4, "#000", 2.5);
  ring(context, from, radius + 1.5, "#fff", 1.5);
}

// Cluster names at their densest parts, largest cluster first; a name that would cover one
// already drawn is moved down or up a line, else left to the legend.
function drawClusterNames(context) {
  context.font = "600 12px system-ui, sans-serif";
  context.textAlign = "center";
  context.textBaseline = "middle";
  const boxes = [];
  for (const cluster of mapView.clusters) {
    if (mapView.focus !== null && mapView.focus !== cluster.id) continue;
    const anchor = mapView.anchors.get(cluster.id);
    if (!anchor) continue;
    const [x, y] = toScreen(anchor);
    const width = context.measureText(cluster.name).width + 10;
    const height = 18;
    const spot = [0, height, -height, 2 * height, -2 * height].map((shift) => [x - width / 2, y + shift - height / 2])
      .find(([left, top]) => !boxes.some((b) => left < b[2] && b[0] < left + width && top < b[3] && b[1] < top + height));
    if (!spot) continue;
    const [left, top] = spot;
    boxes.push([left, top, left + width, top + height]);
    context.fillStyle = "rgba(255, 255, 255, 0.85)";
    context.strokeStyle = mapColour(cluster.id);
    context.lineWidth = 1.5;
    context.beginPath();
    context.roundRect(left, top, width, height, 4);
    context.fill();
    context.stroke();
    context.fillStyle = "#1d2330";
    context.fillText(cluster.name, left + width / 2, top + height / 2 + 0.5);
  }
}

// The member nearest the cluster's median: a cluster split in two has its centroid in between.
function clusterAnchor(members) {
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const mx = median(members.map((p) => p.x));
  const my = median(members.map((p) => p.y));
  let best = members[0], bestDistance = Infinity;
  for (const point of members) {
    const distance = (point.x - mx) ** 2 + (point.y - my) ** 2;
    if (distance < bestDistance) { best = point; bestDistance = distance; }
  }
  return best;
}

function pointNear(clientX, clientY) {
  const box = $("#map-canvas").getBoundingClientRect();
  const sx = clientX - box.left, sy = clientY - box.top;
  let best = null, bestDistance = HOVER_PIXELS ** 2;
  for (const point of mapView.points) {
    if (mapView.focus !== null && point.cluster !== mapView.focus) continue;
    const [x, y] = toScreen(point);
    const distance = (x - sx) ** 2 + (y - sy) ** 2;
    if (distance <= bestDistance) { best = point; bestDistance = distance; }
  }
  return best;
}

function showTooltip(point) {
  const tooltip = $("#map-tooltip");
  if (!point) { tooltip.hidden = true; return; }
  const cluster = mapView.clusters.find((c) => c.id === point.cluster);
  tooltip.textContent = `${point.title} (${point.kind})${cluster ? " · " + cluster.name : ""}`;
  tooltip.hidden = false;
  const [x, y] = toScreen(point);
  const leftSide = x > mapView.width - 260;
  tooltip.style.left = `${leftSide ? x - 10 : x + 10}px`;
  tooltip.style.top = `${y - 30}px`;
  tooltip.style.transform = leftSide ? "translateX(-100%)" : "none";
}

function setHover(point) {
  if (point === mapView.hover) return;
  mapView.hover = point;
  $("#map-canvas").classList.toggle("over-point", Boolean(point));
  showTooltip(point);
  requestDraw();
}

async function selectPoint(point) {
  mapView.selected = point;
  mapView.comps = [];
  const request = ++mapView.request;
  const panel = $("#map-selection");
  panel.hidden = !point;
  requestDraw();
  if (!point) return;
  const heading = $("#map-selected-title");
  const link = element("a", point.title);
  link.tabIndex = 0;
  link.title = "show this title's details";
  link.addEventListener("click", () => { showTitle(point.id); $("#title-section").scrollIntoView(); });
  heading.replaceChildren(link);
  const cluster = mapView.clusters.find((c) => c.id === point.cluster);
  $("#map-selected-meta").textContent = [point.kind, cluster && cluster.name].filter(Boolean).join(" · ");
  const list = $("#map-comps");
  const message = $("#map-comps-message");
  list.replaceChildren();
  showMessage(message, "loading comps ...");
  try {
    const body = await api(`/v1/titles/${encodeURIComponent(point.id)}/similar?k=${MAP_COMPS}`);
    if (request !== mapView.request) return;  // another title was picked meanwhile
    mapView.comps = body.similar;
    list.replaceChildren(...body.similar.map(compItem));
    list.dataset.title = point.id;
    showMessage(message, body.similar.length ? "content comps" : "no comps stored");
  } catch (error) {
    if (request === mapView.request) showMessage(message, error.message, true);
  }
  requestDraw();
}

function compItem(comp) {
  const item = element("li");
  const link = element("a", comp.title);
  link.tabIndex = 0;
  const onMap = mapView.byId.get(comp.id);
  link.addEventListener("click", () => (onMap ? selectPoint(onMap) : showTitle(comp.id)));
  item.append(link, element("span", comp.kind, "kind"), element("div", comp.why || "-", "why"));
  return item;
}

function fillLegend() {
  const legend = $("#map-legend");
  legend.replaceChildren(...mapView.clusters.map((cluster) => {
    const item = element("li");
    item.tabIndex = 0;
    item.dataset.cluster = String(cluster.id);
    item.title = `${cluster.name}: show only this cluster (click again for all)`;
    const swatch = element("span", null, "swatch");
    swatch.style.background = mapColour(cluster.id);
    item.append(swatch, element("span", cluster.name, "name"), element("span", cluster.size.toLocaleString(), "size"));
    const toggle = () => {
      mapView.focus = mapView.focus === cluster.id ? null : cluster.id;
      legend.querySelectorAll("li").forEach((li) => li.classList.toggle("focused", li.dataset.cluster === String(mapView.focus)));
      requestDraw();
    };
    item.addEventListener("click", toggle);
    item.addEventListener("keydown", (key) => { if (key.key === "Enter") toggle(); });
    return item;
  }));
}

function zoomAt(clientX, clientY, factor) {
  const box = $("#map-canvas").getBoundingClientRect();
  const sx = clientX - box.left, sy = clientY - box.top;
  const before = mapScale();
  const zoom = Math.min(200, Math.max(0.5, mapView.zoom * factor));
  // The map point under the cursor stays under it.
  const x = (sx - mapView.width / 2 - mapView.panX) / before;
  const y = (mapView.height / 2 + mapView.panY - sy) / before;
  mapView.zoom = zoom;
  const after = mapScale();
  mapView.panX = sx - mapView.width / 2 - x * after;
  mapView.panY = sy - mapView.height / 2 + y * after;
  showTooltip(mapView.hover);
  requestDraw();
}

function bindMapEvents() {
  const canvas = $("#map-canvas");
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    zoomAt(event.clientX, event.clientY, Math.exp(-event.deltaY * 0.0015));
  }, { passive: false });
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    mapView.drag = { startX: event.clientX, startY: event.clientY, x: event.clientX, y: event.clientY, moved: 0 };
  });
  canvas.addEventListener("pointermove", (event) => {
    const drag = mapView.drag;
    if (drag) {
      const away = Math.abs(event.clientX - drag.startX) + Math.abs(event.clientY - drag.startY);
      drag.moved = Math.max(drag.moved, away);
      // Below CLICK_PIXELS it is a click; past it the map follows the pointer from where it went down.
      if (drag.moved >= CLICK_PIXELS) {
        canvas.classList.add("dragging");
        mapView.panX += event.clientX - drag.x;
        mapView.panY += event.clientY - drag.y;
        drag.x = event.clientX;
        drag.y = event.clientY;
        setHover(null);
        requestDraw();
        return;
      }
    }
    setHover(pointNear(event.clientX, event.clientY));
  });
  canvas.addEventListener("pointerup", (event) => {
    const drag = mapView.drag;
    mapView.drag = null;
    canvas.classList.remove("dragging");
    if (drag && drag.moved < CLICK_PIXELS) selectPoint(pointNear(event.clientX, event.clientY));
  });
  canvas.addEventListener("pointerleave", () => { if (!mapView.drag) setHover(null); });
  $("#map-reset").addEventListener("click", () => {
    Object.assign(mapView, { zoom: 1, panX: 0, panY: 0 });
    showTooltip(mapView.hover);
    requestDraw();
  });
  new ResizeObserver(resizeMap).observe(canvas);
}

async function loadMap() {
  const message = $("#map-message");
  showMessage(message, "loading the map ...");
  try {
    const body = await api("/v1/map");
    mapView.points = body.points;
    mapView.clusters = body.clusters;
    mapView.byId = new Map(body.points.map((point) => [point.id, point]));
    mapView.byCluster = new Map(body.clusters.map((cluster) => [cluster.id, []]));
    body.points.forEach((point) => {
      if (!mapView.byCluster.has(point.cluster)) mapView.byCluster.set(point.cluster, []);
      mapView.byCluster.get(point.cluster).push(point);
    });
    mapView.anchors = new Map([...mapView.byCluster].filter(([, members]) => members.length)
      .map(([cluster, members]) => [cluster, clusterAnchor(members)]));
    fillLegend();
    showMessage(message, `${body.points.length.toLocaleString()} titles in ${body.clusters.length} clusters · model ${body.model_version}`);
    $("#map-canvas").dataset.points = String(body.points.length);
    requestDraw();
  } catch (error) {
    showMessage(message, `No map to show: ${error.message}`, error.status !== 503);
  }
}

// For the page test: where a title's dot is, in CSS pixels from the canvas's top left corner.
window.contentMap = {
  screenOf(titleId) {
    const point = mapView.byId.get(titleId);
    return point ? toScreen(point) : null;
  },
};

bindMapEvents();
loadMap();
