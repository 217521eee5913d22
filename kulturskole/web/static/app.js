// Kulturskolekonsollet: the little the pages need that HTML cannot do alone.
// (No inline scripts: the Content-Security-Policy allows only this file.)
"use strict";

// <form data-confirm="Er du sikker?">: ask before sending.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// <div data-poll="/runs/jobs/ID" data-interval="1000">: replace the element's content with the
// HTML fragment at that URL until the fragment no longer carries data-poll itself.
function poll(element) {
  const url = element.getAttribute("data-poll");
  const interval = Number(element.getAttribute("data-interval") || 1000);
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
      if (response.ok) {
        const html = await response.text();
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const fresh = holder.firstElementChild;
        if (fresh) {
          element.replaceWith(fresh);
          element = fresh;
          if (!fresh.hasAttribute("data-poll")) return;
        }
      }
    } catch (error) { /* the next tick tries again */ }
    window.setTimeout(tick, interval);
  };
  window.setTimeout(tick, interval);
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-poll]").forEach(poll);
});
