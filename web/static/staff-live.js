// The staff console's transcript page: new messages of the conversation appear every 2 seconds.
(function () {
  var list = document.querySelector("ol.transcript[data-live-url]");
  if (!list) { return; }
  var count = parseInt(list.getAttribute("data-count"), 10) || 0;
  var holder = undefined;

  function add(entry) {
    var empty = list.querySelector("li.session:only-child");
    if (empty && count === 0) { list.removeChild(empty); }
    var item = document.createElement("li");
    var meta = document.createElement("span");
    var text = document.createElement("div");
    meta.className = "meta";
    text.className = "text";
    if (entry.kind === "session") {
      item.className = "session";
      item.textContent = "— new session, " + entry.at + " UTC —";
    } else {
      item.className = entry.kind === "user" ? "user" : (entry.staff ? "bot staff" : "bot");
      meta.textContent = (entry.kind === "user" ? "Patient" : entry.staff ? "Staff: " + entry.staff : "Assistant") +
        " · " + entry.at;
      text.textContent = entry.text;
      item.appendChild(meta);
      item.appendChild(text);
    }
    list.appendChild(item);
  }

  function poll() {
    fetch(list.getAttribute("data-live-url") + "&after=" + count, {credentials: "same-origin"})
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.entries.forEach(add);
        count = data.count;
        if (holder !== undefined && holder !== data.holder) { window.location.reload(); }
        holder = data.holder;
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
}());
