// The planner's workbench (网格调整工作台): a draft plan's grids on a map, edited through the
// plan operations API (merge, split, paint blocks, move a piece, reshape, undo, redo), with the
// check findings, the household balance, the diff, notes, submit and publish in a side panel.
// Drawing and vertex editing are Leaflet-Geoman's. Every text the page shows from the store or
// the API goes in as textContent (or as a Leaflet tooltip built from a text node).
"use strict";

(function () {
  const root = document.getElementById("editor");
  const planId = Number(root.dataset.plan);
  const crs = root.dataset.crs;
  const bandMin = root.dataset.bandMin === "" ? null : Number(root.dataset.bandMin);
  const bandMax = root.dataset.bandMax === "" ? null : Number(root.dataset.bandMax);
  const mayPublish = root.dataset.mayPublish === "true";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (selector) => document.querySelector(selector);
  const SEVERITY_ZH = { error: "错误", warning: "警告", info: "提示" };
  const CHANGE_ZH = { changed: "调整", new: "新增", added: "新增", removed: "撤销", renumbered: "重编号" };
  const STATUS_ZH = { draft: "草稿", submitted: "待发布", published: "已发布" };
  const COLORS = { grid: "#1f77b4", selected: "#e6550d", block: "#7f7f7f", painted: "#31a354" };
  const FINDING_COLORS = { error: "#d62728", warning: "#ff7f0e", info: "#9467bd" };

  const state = {
    plan: null, areas: null, findings: [], selected: [], mode: "select",
    painted: new Map(), drawn: null, busy: false,
  };

  // ---- the API -------------------------------------------------------------------------
  async function api(path, options = {}) {
    const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    if (options.method && options.method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRF-Token"] = csrf;
    }
    const response = await fetch(path, Object.assign({}, options, { headers, credentials: "same-origin" }));
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : null;
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : response.status + " " + response.statusText;
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return body;
  }

  const lang = root.dataset.lang === "en" ? "en" : "zh";
  const withCrs = (path) => path + (path.includes("?") ? "&" : "?") + "crs=" + crs + "&lang=" + lang;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function notice(text, ok) {
    $("#notice").replaceChildren(el("div", text, "notice " + (ok ? "ok" : "error")));
  }

  // ---- the map -------------------------------------------------------------------------
  const map = L.map("map", { zoomControl: true, maxZoom: 20, minZoom: 3 });
  if (root.dataset.tiles) {
    L.tileLayer(root.dataset.tiles, {
      subdomains: root.dataset.subdomains, attribution: root.dataset.attribution, maxZoom: 20,
    }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  map.pm.setLang(lang);
  const context = L.layerGroup().addTo(map);
  const blocksLayer = L.geoJSON(null, { style: blockStyle, onEachFeature: onBlock }).addTo(map);
  const gridsLayer = L.geoJSON(null, { style: gridStyle, onEachFeature: onGrid }).addTo(map);
  const findingsLayer = L.geoJSON(null, {
    style: (f) => ({ color: FINDING_COLORS[f.properties.severity] || "#8c564b", weight: 3, fillOpacity: 0.5 }),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 7, interactive: false }),
    interactive: false, pmIgnore: true,
  }).addTo(map);
  const diffLayer = L.geoJSON(null, {
    style: () => ({ color: "#2ca02c", weight: 1, fillOpacity: 0.45 }), interactive: false, pmIgnore: true,
  });
  L.control.layers(null, {
    "街块 Blocks": blocksLayer, "门牌 Addresses": context, "检查结果 Findings": findingsLayer,
    "调整地块 Moved pieces": diffLayer,
  }, { collapsed: false }).addTo(map);

  function gridStyle(feature) {
    const selected = state.selected.includes(feature.properties.code);
    return {
      color: selected ? COLORS.selected : COLORS.grid, weight: selected ? 4 : 2,
      fillColor: selected ? COLORS.selected : COLORS.grid, fillOpacity: selected ? 0.25 : 0.08,
    };
  }

  function blockStyle(feature) {
    const painted = state.painted.has(feature.properties.id);
    return {
      color: COLORS.block, weight: 0.6, dashArray: "2 3",
      fillColor: painted ? COLORS.painted : "#fff", fillOpacity: painted ? 0.55 : 0,
    };
  }

  function label(feature) {
    const p = feature.properties;
    const households = p.households === null || p.households === undefined ? "?" : p.households;
    return (p.name || p.code) + " · " + households + "户";
  }

  function onGrid(feature, layer) {
    const text = el("span", label(feature));
    layer.bindTooltip(text, { permanent: true, direction: "center", className: "gm-grid-label" });
    layer.on("click", (event) => {
      if (state.mode !== "select") return; // drawing: the click is the map's (a vertex)
      L.DomEvent.stopPropagation(event);
      toggle(feature.properties.code);
    });
  }

  function onBlock(feature, layer) {
    layer.on("click", (event) => {
      if (state.mode !== "paint") return;
      L.DomEvent.stopPropagation(event);
      const id = feature.properties.id;
      if (state.painted.has(id)) state.painted.delete(id);
      else state.painted.set(id, feature);
      layer.setStyle(blockStyle(feature));
      hint("已选 " + state.painted.size + " 个街块，点“完成”划入 " + state.selected[0] + "。");
    });
  }

  function toggle(code) {
    const at = state.selected.indexOf(code);
    if (at >= 0) state.selected.splice(at, 1);
    else state.selected.push(code);
    gridsLayer.setStyle(gridStyle);
    tools();
  }

  // ---- what the page shows after each answer ----------------------------------------------
  function show(bench) {
    state.plan = bench.plan;
    state.areas = bench.areas;
    state.findings = bench.findings.findings;
    const codes = new Set(bench.areas.features.map((f) => f.properties.code));
    state.selected = state.selected.filter((code) => codes.has(code));
    gridsLayer.clearLayers();
    gridsLayer.addData(bench.areas);
    findingsLayer.clearLayers();
    for (const finding of state.findings) {
      if (finding.geometry) {
        findingsLayer.addData({ type: "Feature", geometry: finding.geometry, properties: finding });
      }
    }
    showStatus();
    showBalance();
    showFindings(bench.findings);
    tools();
  }

  function showStatus() {
    const plan = state.plan;
    const status = STATUS_ZH[plan.status] || plan.status;
    $("#plan-title").textContent = "网格调整方案 " + plan.id + " · " + plan.scope_code;
    $("#status").replaceChildren(
      el("span", status + " " + plan.status, "badge " + plan.status),
      el("span", plan.note ? " " + plan.note : "", "muted"),
    );
  }

  function showBalance() {
    const rows = state.areas.features.map((f) => f.properties)
      .sort((a, b) => String(a.code).localeCompare(String(b.code)));
    const top = Math.max(bandMax || 0, ...rows.map((p) => p.households || 0)) * 1.1 || 1;
    $("#band").textContent = bandMin !== null || bandMax !== null
      ? "目标 " + (bandMin ?? "–") + "–" + (bandMax ?? "–") + " 户" : "";
    const list = $("#balance");
    list.replaceChildren();
    for (const p of rows) {
      const households = p.households;
      const known = households !== null && households !== undefined;
      const inBand = known && (bandMin === null || households >= bandMin) && (bandMax === null || households <= bandMax);
      const row = el("div", null, "bar " + (known ? (inBand ? "in" : "out") : "unknown"));
      row.dataset.code = p.code;
      const name = el("span", p.name || p.code, "name");
      const track = el("span", null, "track");
      if (bandMin !== null && bandMax !== null) {
        const band = el("span", null, "band");
        band.style.left = (100 * bandMin / top) + "%";
        band.style.width = (100 * (bandMax - bandMin) / top) + "%";
        track.append(band);
      }
      const fill = el("span", null, "fill");
      fill.style.width = (known ? 100 * households / top : 0) + "%";
      track.append(fill);
      const value = el("span", known ? households + "户" : "?", "value");
      row.append(name, track, value);
      row.addEventListener("click", () => zoomTo([p.code]));
      list.append(row);
    }
  }

  function showFindings(report) {
    const list = $("#findings");
    list.replaceChildren();
    const s = report.summary;
    $("#finding-count").textContent = "错误 " + s.errors + " · 警告 " + s.warnings + " · 提示 " + s.info;
    if (!report.findings.length) list.append(el("li", "没有问题 No findings", "muted"));
    for (const finding of report.findings) {
      const item = el("li", null, "finding " + finding.severity);
      item.append(el("b", SEVERITY_ZH[finding.severity] || finding.severity), el("span", " " + finding.message));
      item.tabIndex = 0;
      item.addEventListener("click", () => zoomToFinding(finding));
      list.append(item);
    }
  }

  function zoomToFinding(finding) {
    if (finding.geometry) {
      const bounds = L.geoJSON(finding.geometry).getBounds();
      if (bounds.isValid()) return map.fitBounds(bounds.pad(0.5), { maxZoom: 19 });
    }
    zoomTo(finding.codes || []);
  }

  function zoomTo(codes) {
    let bounds = null;
    gridsLayer.eachLayer((layer) => {
      if (codes.includes(layer.feature.properties.code)) {
        bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds());
      }
    });
    if (bounds) map.fitBounds(bounds.pad(0.2));
  }

  async function showDiff() {
    const box = $("#diff");
    try {
      const diff = await api("/plans/" + planId + "/diff");
      const changed = diff.summary.filter((row) => row.status !== "unchanged");
      box.replaceChildren();
      if (!changed.length) {
        box.append(el("p", "与现行边界相同 Same as the current boundaries", "muted"));
      } else {
        const table = el("table");
        const head = el("tr");
        for (const h of ["网格", "变化", "户数 前→后"]) head.append(el("th", h));
        table.append(head);
        for (const row of changed) {
          const tr = el("tr");
          tr.append(el("td", row.code), el("td", CHANGE_ZH[row.status] || row.status),
            el("td", (row.households_before ?? "–") + " → " + (row.households_after ?? "–")));
          table.append(tr);
        }
        box.append(table);
      }
      const pieces = await api(withCrs("/plans/" + planId + "/diff?format=geojson"));
      diffLayer.clearLayers();
      diffLayer.addData(pieces);
    } catch (error) {
      box.replaceChildren(el("p", error.message, "muted"));
    }
  }

  async function showNotes() {
    const list = $("#notes");
    try {
      const notes = await api("/plans/" + planId + "/notes");
      list.replaceChildren();
      for (const note of notes) {
        const item = el("li");
        item.append(el("small", (note.author || "") + " " + String(note.created_at || "").replace("T", " ").slice(0, 16) + " "),
          el("span", note.text));
        list.append(item);
      }
    } catch (error) {
      list.replaceChildren(el("li", error.message, "muted"));
    }
  }

  async function showContext() {
    try {
      const found = await api(withCrs("/plans/" + planId + "/blocks"));
      blocksLayer.clearLayers();
      blocksLayer.addData(found);
      blocksLayer.bringToBack();
    } catch (error) {
      blocksLayer.clearLayers();
    }
    try {
      const around = await api(withCrs("/plans/" + planId + "/context"));
      context.clearLayers();
      L.geoJSON(around.addresses, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, {
          radius: 2, color: "#555", weight: 1, fillOpacity: 0.8, interactive: false, pmIgnore: true,
          snapIgnore: true,
        }),
        pmIgnore: true,
      }).addTo(context);
      L.geoJSON(around.streets, {
        style: () => ({ color: "#bbb", weight: 1 }), pmIgnore: false, interactive: false,
      }).addTo(context);
    } catch (error) {
      context.clearLayers();
    }
  }

  // ---- tools ---------------------------------------------------------------------------
  const HINTS = {
    select: "点击网格选择（可多选）。Click grids to select them.",
    split: "画一条穿过所选网格的线，双击结束。Draw a line across the grid; double-click to finish.",
    paint: "点击街块选中，点“完成”划入所选网格。Click blocks, then Apply.",
    move: "画出要划入所选网格的片区，点击起点闭合。Draw the piece to give to the selected grid.",
    reshape: "拖动顶点修改边界，点“完成”。Drag the vertices, then Apply.",
  };

  function hint(text) {
    $("#hint").textContent = text;
  }

  function tools() {
    const editable = state.plan && state.plan.status === "draft" && !state.busy;
    const one = state.selected.length === 1;
    const idle = state.mode === "select";
    const enable = {
      merge: editable && idle && state.selected.length >= 2,
      split: editable && idle && one,
      paint: editable && idle && one,
      move: editable && idle && one,
      reshape: editable && idle && one,
      undo: editable && idle,
      redo: editable && idle,
    };
    for (const button of document.querySelectorAll("#tools button")) {
      const tool = button.dataset.tool;
      if (tool === "apply") button.hidden = !(state.mode === "paint" || state.mode === "reshape");
      else if (tool === "cancel") button.hidden = idle;
      else button.disabled = !enable[tool];
    }
    $("#submit-plan").disabled = !(state.plan && state.plan.status === "draft") || state.busy;
    $("#publish-plan").hidden = !mayPublish;
    $("#publish-plan").disabled = !(state.plan && ["draft", "submitted"].includes(state.plan.status)) || state.busy;
    root.dataset.ready = state.busy ? "false" : "true";
  }

  function setMode(mode) {
    state.mode = mode;
    hint(HINTS[mode] || "");
    tools();
  }

  function reset() {
    map.pm.disableDraw();
    map.doubleClickZoom.enable();
    gridsLayer.eachLayer((layer) => layer.pm && layer.pm.disable());
    if (state.drawn) {
      map.removeLayer(state.drawn);
      state.drawn = null;
    }
    state.painted.clear();
    blocksLayer.setStyle(blockStyle);
    setMode("select");
  }

  async function operate(body) {
    state.busy = true;
    tools();
    try {
      const answer = await api(withCrs("/plans/" + planId + "/operations"), {
        method: "POST", body: JSON.stringify(Object.assign({ crs }, body)),
      });
      reset();
      if (answer.new_grid) state.selected = [answer.new_grid];
      show(answer);
      notice(done(answer), true);
      showContext();
      showDiff();
    } catch (error) {
      notice("操作未执行 Not done: " + error.message, false);
    } finally {
      state.busy = false;
      tools();
    }
  }

  function done(answer) {
    const names = {
      merge: "已合并", split: "已拆分", assign_blocks: "已划入街块", move: "已划出片区",
      reshape: "已修改边界", undo: "已撤销", redo: "已重做",
    };
    return (names[answer.op] || answer.op) + (answer.step ? "：" + answer.step : "")
      + (answer.new_grid ? "，新网格 " + answer.new_grid : "");
  }

  function selectedLayer() {
    let found = null;
    gridsLayer.eachLayer((layer) => {
      if (layer.feature.properties.code === state.selected[0]) found = layer;
    });
    return found;
  }

  function gridHolding(latlng, except) {
    let found = null;
    gridsLayer.eachLayer((layer) => {
      const code = layer.feature.properties.code;
      if (code !== except && !found && contains(layer.feature.geometry, [latlng.lng, latlng.lat])) found = code;
    });
    return found;
  }

  function contains(geometry, point) {
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.some(([outer, ...holes]) => inRing(outer, point) && !holes.some((h) => inRing(h, point)));
  }

  function inRing(ring, [x, y]) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  map.on("pm:create", (event) => {
    state.drawn = event.layer;
    const geometry = event.layer.toGeoJSON().geometry;
    if (state.mode === "split") {
      operate({ op: "split", grid: state.selected[0], line: geometry });
    } else if (state.mode === "move") {
      const ring = geometry.coordinates[0];
      const centre = ring.slice(0, -1).reduce((s, [x, y]) => [s[0] + x, s[1] + y], [0, 0])
        .map((v) => v / (ring.length - 1));
      const source = gridHolding(L.latLng(centre[1], centre[0]), state.selected[0]);
      if (!source) {
        notice("片区不在其他网格内 The piece lies in no other grid", false);
        reset();
        return;
      }
      operate({ op: "move", piece: geometry, source, to: state.selected[0] });
    }
  });

  function startTool(tool) {
    const drawing = { snappable: true, snapDistance: 15, allowSelfIntersection: false };
    if (tool === "merge") return operate({ op: "merge", grids: state.selected.slice() });
    if (tool === "undo" || tool === "redo") return operate({ op: tool });
    if (tool === "cancel") return reset();
    if (tool === "apply") return apply();
    setMode(tool);
    if (tool === "split" || tool === "move") map.doubleClickZoom.disable(); // a double click ends a line
    if (tool === "split") map.pm.enableDraw("Line", Object.assign({ finishOn: "dblclick" }, drawing));
    if (tool === "move") map.pm.enableDraw("Polygon", drawing);
    if (tool === "paint") {
      if (!map.hasLayer(blocksLayer)) map.addLayer(blocksLayer);
      blocksLayer.bringToFront();
    }
    if (tool === "reshape") {
      const layer = selectedLayer();
      if (layer) layer.pm.enable(drawing);
    }
  }

  function apply() {
    if (state.mode === "paint") {
      const blocks = [...state.painted.values()].map((f) => f.properties.point || f.properties.id);
      gridsLayer.bringToFront();
      return operate({ op: "assign_blocks", blocks, to: state.selected[0] });
    }
    if (state.mode === "reshape") {
      const layer = selectedLayer();
      return operate({ op: "reshape", grid: state.selected[0], geometry: layer.toGeoJSON().geometry });
    }
  }

  for (const button of document.querySelectorAll("#tools button")) {
    button.addEventListener("click", () => startTool(button.dataset.tool));
  }

  // ---- notes, submit, publish ------------------------------------------------------------
  $("#note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("#note-text").value;
    try {
      await api("/plans/" + planId + "/notes", { method: "POST", body: JSON.stringify({ text }) });
      $("#note-text").value = "";
      showNotes();
    } catch (error) {
      notice("备注未保存 Note not saved: " + error.message, false);
    }
  });

  async function workflow(path, body, message) {
    state.busy = true;
    tools();
    try {
      await api("/plans/" + planId + path, { method: "POST", body: JSON.stringify(body) });
      await load();
      notice(message, true);
      showNotes();
    } catch (error) {
      notice(error.message, false);
    } finally {
      state.busy = false;
      tools();
    }
  }

  $("#submit-plan").addEventListener("click", () => {
    const note = $("#note-text").value.trim();
    workflow("/submit", note ? { note } : {}, "已提交审核 Submitted for publishing");
  });
  $("#publish-plan").addEventListener("click", () => {
    workflow("/publish", {}, "已发布，现行网格已更新 Published: the grids are now in force");
  });

  // ---- start ---------------------------------------------------------------------------
  async function load() {
    const bench = await api(withCrs("/plans/" + planId + "/workbench"));
    show(bench);
    return bench;
  }

  load().then(() => {
    const bounds = gridsLayer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.05));
    showContext();
    showDiff();
    showNotes();
  }).catch((error) => notice(error.message, false));

  window.gridmapEditor = { map, grids: gridsLayer, blocks: blocksLayer };
})();
