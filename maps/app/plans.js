// The plans page: start a draft from the current grids of the chosen scope, then open it in
// the workbench. The answer's error, if any, is shown as text.
"use strict";

(function () {
  const form = document.getElementById("new-plan");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const scope = document.getElementById("scope").value;
    const note = document.getElementById("note").value;
    const query = new URLSearchParams({ scope, note });
    const response = await fetch("/plans?" + query.toString(), {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      document.getElementById("notice").textContent = body && body.detail ? body.detail : String(response.status);
      return;
    }
    window.location.assign("/maps/plans/" + Number(body.id) + "/edit.html");
  });
})();
