// Following a live lecture: ask the server for the messages after the last one shown every few
// seconds (decision 0008: short polls, no open connections), append them, keep the pinned list
// current, stop when the lecture has ended. Text is set with textContent: never parsed as HTML.
(function () {
  "use strict";
  var room = document.getElementById("lecture-room");
  if (!room) { return; }
  var every = parseInt(room.getAttribute("data-poll"), 10) * 1000;
  if (!every) { return; }
  var after = parseInt(room.getAttribute("data-after"), 10) || 0;
  var version = parseInt(room.getAttribute("data-version"), 10) || 0;
  var feed = room.getAttribute("data-feed");
  var texts = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }
  function show(m) {
    if (document.getElementById("msg-" + m.id)) { return; }
    var li = el("li", "msg msg-" + m.kind + (m.pinned ? " is-pinned" : ""));
    li.id = "msg-" + m.id; li.setAttribute("data-id", m.id);
    var meta = el("p", "msg-meta");
    meta.appendChild(el("strong", "", m.author));
    meta.appendChild(document.createTextNode(" · " + m.time + (m.kind === "question" ? " · " + room.getAttribute("data-asks") : "")));
    li.appendChild(meta);
    if (m.reply_to && texts[m.reply_to]) { li.appendChild(el("blockquote", "msg-quote", texts[m.reply_to])); }
    if (m.kind === "image") { var img = el("img"); img.src = m.url; img.alt = m.text || room.getAttribute("data-image"); li.appendChild(img); }
    if (m.kind === "voice") { var a = el("audio"); a.controls = true; a.preload = "none"; a.src = m.url; li.appendChild(a); li.appendChild(el("span", "msg-duration", " " + m.duration_s + "″")); }
    if (m.text) { li.appendChild(el("p", "msg-text", m.text)); }
    texts[m.id] = m.author + ": " + m.text;
    room.appendChild(li);
  }
  function pins(ids) {
    var box = document.getElementById("pinned"), list = document.getElementById("pinned-list");
    if (!box || !list) { return; }
    list.textContent = "";
    ids.forEach(function (id) {
      var src = document.getElementById("msg-" + id);
      var text = src ? (src.querySelector(".msg-meta strong").textContent + ": " + ((src.querySelector(".msg-text") || {}).textContent || "")) : "";
      list.appendChild(el("li", "", text));
    });
    box.hidden = ids.length === 0;
    Array.prototype.forEach.call(room.children, function (li) {
      li.classList.toggle("is-pinned", ids.indexOf(parseInt(li.getAttribute("data-id"), 10)) >= 0);
    });
  }
  Array.prototype.forEach.call(room.querySelectorAll(".msg"), function (li) {
    var who = li.querySelector(".msg-meta strong"), text = li.querySelector(".msg-text");
    texts[li.getAttribute("data-id")] = (who ? who.textContent : "") + ": " + (text ? text.textContent : "");
  });
  function poll() {
    fetch(feed + "?after=" + after + "&v=" + version, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok && r.status !== 204 ? r.json() : null; })  // 204: nothing new
      .then(function (body) {
        if (body) {
          body.messages.forEach(function (m) { show(m); after = Math.max(after, m.id); });
          if (body.pinned) { pins(body.pinned); }
          version = body.version;
          room.setAttribute("data-after", after);
          if (body.status === "finished") { window.location.reload(); return; }
        }
        window.setTimeout(poll, every);
      })
      .catch(function () { window.setTimeout(poll, every * 2); });
  }
  window.setTimeout(poll, every);
}());
