// Keyboard shortcuts of the review console; the pages work without them. Loaded from this
// file only: the Content-Security-Policy forbids inline scripts.
"use strict";

function typing(event) {
  const tag = event.target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable;
}

function queueKeys(rows) {
  let selected = -1;
  const select = (index) => {
    if (rows.length === 0) return;
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((row, i) => row.classList.toggle("selected", i === selected));
    rows[selected].querySelector("a").focus();
  };
  document.addEventListener("keydown", (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") { select(selected + 1); event.preventDefault(); }
    if (event.key === "k") { select(selected - 1); event.preventDefault(); }
  });
}

function jobKeys() {
  const click = (id) => { const button = document.getElementById(id); if (button) button.click(); };
  const focus = (id) => { const field = document.getElementById(id); if (field) field.focus(); };
  const job = location.pathname.split("/").pop();
  document.addEventListener("keydown", (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      a: () => click("approve"),
      r: () => focus("reason"),
      e: () => focus("output"),
      n: () => { location.href = "/ui/next?after=" + encodeURIComponent(job); },
    };
    if (keys[event.key]) { keys[event.key](); event.preventDefault(); }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const rows = Array.from(document.querySelectorAll("table.queue tbody tr"));
  if (rows.length) queueKeys(rows);
  if (document.getElementById("review-h")) jobKeys();
});
