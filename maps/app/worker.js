// The grid worker's phone page (网格员手机端): my tasks, one task (map, history, actions),
// report a new case at my position, my grid. It talks to the same API as everyone else, with
// the session cookie and its CSRF token; every text it shows goes in as textContent.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const crsDefault = document.querySelector('meta[name="gridmap-crs"]').content;
  const $ = (selector) => document.querySelector(selector);
  const STATUS_ZH = {
    needs_location: "待定位", reported: "已收集", triaged: "已梳理", dispatched: "已分流",
    in_progress: "处理中", resolved: "已处理", closed: "已反馈办结", reopened: "重新打开",
  };
  // what a worker may do next, by status: [status, button label]
  const NEXT = {
    dispatched: [["in_progress", "接单并开始处理 Accept and start"]],
    reopened: [["in_progress", "开始处理 Start"]],
    in_progress: [["resolved", "办结 Resolve"]],
  };

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  async function api(path, options = {}) {
    const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    if (options.body) {
      headers["Content-Type"] = "application/json";
      headers["X-CSRF-Token"] = csrf;
    }
    const response = await fetch(path, Object.assign({}, options, { headers, credentials: "same-origin" }));
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : null;
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : response.status + " " + response.statusText;
      throw new Error(detail);
    }
    return body;
  }

  function notice(where, text, ok) {
    const box = $(where);
    box.replaceChildren(el("div", text, "notice " + (ok ? "ok" : "error")));
  }

  function shown(iso) {
    return iso ? iso.replace("T", " ").slice(0, 16) : "";
  }

  // tabs
  function show(tab) {
    for (const button of document.querySelectorAll("nav button")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    for (const section of document.querySelectorAll("main > section")) {
      section.hidden = section.id !== tab;
    }
    if (tab === "tasks") loadTasks();
    if (tab === "grid") showGrid();
  }

  async function loadTasks() {
    const list = $("#task-list");
    list.replaceChildren(el("p", "加载中… Loading", "muted"));
    try {
      const tasks = await api("/me/tasks");
      list.replaceChildren();
      if (!tasks.length) list.append(el("p", "暂无待办 No open tasks", "muted"));
      for (const task of tasks) list.append(taskCard(task));
    } catch (error) {
      list.replaceChildren(el("div", error.message, "notice error"));
    }
  }

  function taskCard(task) {
    const card = el("div", null, "card task");
    card.dataset.id = task.id;
    const title = el("div");
    title.append(el("strong", task.category_zh || task.category), " ", el("span", STATUS_ZH[task.status] || task.status, "status"));
    card.append(title, el("div", task.description || "（无描述）"));
    const meta = el("div", "#" + task.id + " · 期限 due " + shown(task.due_at), "meta");
    if (task.overdue) meta.append(" ", el("span", "已超期 overdue", "overdue"));
    card.append(meta);
    card.addEventListener("click", () => openTask(task.id));
    return card;
  }

  let taskMap = null;

  async function openTask(id) {
    show("task");
    const box = $("#task-detail");
    box.replaceChildren(el("p", "加载中… Loading", "muted"));
    $("#task-notice").replaceChildren();
    try {
      renderTask(await api("/incidents/" + encodeURIComponent(id)));
    } catch (error) {
      box.replaceChildren(el("div", error.message, "notice error"));
    }
  }

  function renderTask(incident) {
    const box = $("#task-detail");
    const card = el("div", null, "card");
    card.append(
      el("h2", (incident.category_zh || incident.category) + " #" + incident.id),
      el("div", STATUS_ZH[incident.status] || incident.status, "status"),
      el("p", incident.description || "（无描述）"),
      el("div", "地址 " + (incident.address || "—"), "meta"),
      el("div", "网格 grid " + (incident.grid_code || "—") + " · 期限 due " + shown(incident.due_at), "meta"),
    );
    const map = el("div", null, "map");
    map.id = "task-map";
    card.append(map);
    const history = el("ol", null, "events");
    for (const event of incident.events || []) {
      history.append(el("li", shown(event.at) + " " + (STATUS_ZH[event.to_status] || event.to_status) + " — " + event.actor + (event.note ? "：" + event.note : "")));
    }
    card.append(el("h3", "处理记录 History"), history);
    box.replaceChildren(card, actions(incident));
    if (taskMap) taskMap.remove();
    taskMap = L.map("task-map", { attributionControl: false });
    if (incident.lat !== null && incident.lon !== null) {
      taskMap.setView([incident.lat, incident.lon], 17);
      L.circleMarker([incident.lat, incident.lon], { radius: 8, color: "#c62828" }).addTo(taskMap);
    }
  }

  function actions(incident) {
    const card = el("div", null, "card");
    const steps = NEXT[incident.status] || [];
    if (!steps.length) {
      card.append(el("p", "此状态下无可办操作 Nothing to do in this status", "muted"));
      return card;
    }
    const note = el("textarea");
    note.id = "action-note";
    note.placeholder = "处理说明 What was done";
    const photo = el("input");
    photo.id = "action-photo";
    photo.type = "url";
    photo.placeholder = "https://… 照片链接 photo URL";
    card.append(el("label", "说明 Note"), note, el("label", "照片链接 Photo URL"), photo);
    for (const [status, label] of steps) {
      const button = el("button", label, "act");
      button.dataset.status = status;
      button.addEventListener("click", () => act(incident.id, status, note.value, photo.value));
      card.append(button);
    }
    return card;
  }

  async function act(id, status, note, photo) {
    $("#task-notice").replaceChildren(el("p", "保存中… Saving", "muted"));
    const body = { status: status, note: note };
    if (photo.trim()) body.photo_url = photo.trim();
    try {
      const incident = await api("/incidents/" + encodeURIComponent(id) + "/transitions", {
        method: "POST", body: JSON.stringify(body),
      });
      renderTask(incident);
      notice("#task-notice", "已更新 Saved: " + (STATUS_ZH[incident.status] || incident.status), true);
    } catch (error) {
      notice("#task-notice", error.message, false);
    }
  }

  // report a new case at my position
  async function loadCategories() {
    const select = $("#report-category");
    try {
      for (const service of await api("/open311/v2/services.json")) {
        const option = el("option", service.service_name);
        option.value = service.service_code;
        select.append(option);
      }
    } catch (error) {
      notice("#report-notice", error.message, false);
    }
  }

  function locate() {
    if (!navigator.geolocation) {
      notice("#report-notice", "此设备无法定位 No position on this device; type it in", false);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        $("#report-lon").value = position.coords.longitude.toFixed(6);
        $("#report-lat").value = position.coords.latitude.toFixed(6);
      },
      (error) => notice("#report-notice", "定位失败 " + error.message, false),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  }

  async function report(event) {
    event.preventDefault();
    const body = {
      category: $("#report-category").value,
      description: $("#report-description").value,
      lon: $("#report-lon").value,
      lat: $("#report-lat").value,
      crs: $("#report-crs").value,
      source: "app",
    };
    try {
      const incident = await api("/incidents", { method: "POST", body: JSON.stringify(body) });
      notice("#report-notice", "已上报 Reported #" + incident.id + "（" + (STATUS_ZH[incident.status] || incident.status) + "）", true);
      $("#report-description").value = "";
    } catch (error) {
      notice("#report-notice", error.message, false);
    }
  }

  // my grid
  let gridMap = null;

  async function showGrid() {
    if (gridMap) return;
    gridMap = L.map("grid-map", { attributionControl: false }).setView([40.0, 116.35], 14);
    try {
      const me = await api("/auth/me");
      const layers = [];
      for (const grant of me.grants) {
        if (!grant.scope) continue;
        const area = await api("/areas/" + encodeURIComponent(grant.scope));
        const layer = L.geoJSON(area, { style: { color: "#00695c", weight: 2, fillOpacity: 0.08 } });
        layer.addTo(gridMap);
        layers.push(layer);
        $("#grid-names").append(el("li", area.properties.code + " " + area.properties.name));
      }
      if (layers.length) gridMap.fitBounds(L.featureGroup(layers).getBounds());
    } catch (error) {
      notice("#grid-notice", error.message, false);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll("nav button")) {
      button.addEventListener("click", () => show(button.dataset.tab));
    }
    $("#report-crs").value = crsDefault;
    $("#report-locate").addEventListener("click", locate);
    $("#report-form").addEventListener("submit", report);
    $("#task-back").addEventListener("click", () => show("tasks"));
    loadCategories();
    show("tasks");
  });
})();
