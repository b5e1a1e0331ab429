// The demo's single-page app: a vault's items (fetch), the signed-in user
// (XMLHttpRequest), a filter (an interaction), a notice inserted above the list after a
// delay (a layout shift), buttons that throw and reject, a performance.measure around
// each render, and History API navigation between the list and an item's view.

const view = document.getElementById("view");
let items = [];

function busy(ms) {
  // A filter over a large vault takes a while: long enough to be a real interaction.
  const end = performance.now() + ms;
  while (performance.now() < end) { /* work */ }
}

function measured(name, start) {
  performance.measure("perfwatch:" + name, { start, end: performance.now() });
}

function renderList(filter) {
  const start = performance.now();
  const shown = filter ? items.filter((it) => it.title.toLowerCase().includes(filter.toLowerCase())) : items;
  const ul = document.createElement("ul");
  ul.id = "items";
  for (const it of shown) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/app/items/" + it.id;
    a.dataset.view = "";
    a.textContent = it.title;
    const folder = document.createElement("span");
    folder.className = "folder";
    folder.textContent = " — " + it.folder;
    li.append(a, folder);
    ul.append(li);
  }
  document.getElementById("items").replaceWith(ul);
  document.getElementById("count").textContent = shown.length + " of " + items.length + " items";
  measured("ItemList", start);
}

async function listView() {
  view.innerHTML = '<form id="filter-form"><input id="filter" type="search" placeholder="Filter by title" autocomplete="off"> ' +
    '<button id="filter-apply" type="submit">Filter</button> <span id="count"></span></form><ul id="items"></ul>';
  document.getElementById("filter-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(120);
    renderList(document.getElementById("filter").value);
  });
  const resp = await fetch("/api/users/1/vault/joined");
  if (!resp.ok) throw new Error("vault: " + resp.status);
  const folders = await resp.json();
  items = [];
  for (const f of folders) for (const it of f.items || []) items.push({ id: it.id, title: it.title, folder: f.name });
  renderList("");
  view.dataset.ready = "list";
}

async function itemView(id) {
  const start = performance.now();
  const resp = await fetch("/api/items/" + id);
  const it = await resp.json();
  view.innerHTML = '<article id="item-detail"><h2></h2><p>User name: <code class="user"></code></p><p>URL: <code class="url"></code></p>' +
    '<p><a href="/app/" data-view id="back">Back to the list</a></p></article>';
  view.querySelector("h2").textContent = it.title || "Item " + id;
  view.querySelector(".user").textContent = it.username || "";
  view.querySelector(".url").textContent = it.url || "";
  measured("ItemDetail", start);
  view.dataset.ready = "item";
}

function route() {
  delete view.dataset.ready;
  const m = location.pathname.match(/^\/app\/items\/(\d+)$/);
  return (m ? itemView(m[1]) : listView()).catch((err) => {
    view.textContent = "Could not load: " + err.message;
    view.dataset.ready = "error";
  });
}

document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[data-view]");
  if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey) return;
  ev.preventDefault();
  if (a.pathname !== location.pathname) history.pushState(null, "", a.pathname);
  route();
});
window.addEventListener("popstate", route);

// What went wrong, for the user (the snippet saw it first: it listens from init).
const status = document.getElementById("status");
addEventListener("error", (ev) => {
  status.textContent = "Something went wrong: " + ev.message;
  status.dataset.error = "";
});
addEventListener("unhandledrejection", (ev) => {
  status.textContent = "Something went wrong in the background: " + (ev.reason && ev.reason.message);
  status.dataset.rejection = "";
});

document.getElementById("throw").addEventListener("click", () => {
  const vault = null;
  return vault.unlock(); // a TypeError, thrown in an event handler
});
document.getElementById("reject").addEventListener("click", () => {
  Promise.reject(new Error("sync rejected for folder 42")); // an unhandled rejection
});

// The signed-in user, through XMLHttpRequest as older code does.
const xhr = new XMLHttpRequest();
xhr.open("GET", "/api/users/1");
xhr.responseType = "json";
xhr.onload = () => {
  if (xhr.status === 200 && xhr.response) document.getElementById("who").textContent = "Signed in as " + xhr.response.email;
};
xhr.send();

// A notice that arrives late and pushes the content down: a layout shift.
setTimeout(() => {
  const notice = document.createElement("div");
  notice.id = "notice";
  notice.textContent = "Your vault was synced with 2 other devices.";
  view.before(notice);
}, 700);

route();
