/* The minutes editor: turns <textarea data-rich-editor> into a small rich-text editor (pell,
 * vendored in static/vendor/pell-*). Without JavaScript the textarea stays as it is; the
 * server's whitelist sanitiser (core/sanitize.py) cleans whatever arrives either way.
 *
 * CSP: loaded from 'self', no inline handlers or styles; listeners are attached here.
 * Paste (from Word, web pages): the clipboard's HTML is parsed in an inert document
 * (a <template>'s content: no scripts run, no images load) and rebuilt from a whitelist of tags without
 * attributes (links keep an http(s) href), the same rules as the server's. */
(function () {
  "use strict";

  var BLOCKS = { P: "p", DIV: "p", H1: "h3", H2: "h3", H3: "h3", H4: "h4", H5: "h4", H6: "h4",
    BLOCKQUOTE: "blockquote", UL: "ul", OL: "ol", LI: "li" };
  var INLINE = { B: "strong", STRONG: "strong", I: "em", EM: "em", U: "u", A: "a", BR: "br" };
  var DROP = { SCRIPT: 1, STYLE: 1, IFRAME: 1, OBJECT: 1, EMBED: 1, TEMPLATE: 1, NOSCRIPT: 1, SVG: 1,
    MATH: 1, TEXTAREA: 1, SELECT: 1, TITLE: 1, HEAD: 1, META: 1, LINK: 1, XML: 1, IMG: 1, VIDEO: 1,
    AUDIO: 1, BUTTON: 1, INPUT: 1, FORM: 1 };

  function cleanNode(src, doc) {
    var out = doc.createDocumentFragment();
    for (var child = src.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3) {
        out.appendChild(doc.createTextNode(child.nodeValue.replace(/\u00a0/g, " ")));
        continue;
      }
      if (child.nodeType !== 1) continue; // comments (Word's <!--[if …]>), processing instructions
      var name = child.nodeName.toUpperCase();
      if (DROP[name] || name.indexOf(":") !== -1 && name !== "O:P") continue;
      var tag = BLOCKS[name] || INLINE[name];
      var inner = cleanNode(child, doc);
      if (!tag) { out.appendChild(inner); continue; } // unknown tag (span, font, o:p …): keep its text
      var el = doc.createElement(tag);
      if (tag === "a") {
        var href = (child.getAttribute("href") || "").trim();
        if (/^https?:\/\//i.test(href)) { el.setAttribute("href", href); } else { out.appendChild(inner); continue; }
      }
      if (tag !== "br") el.appendChild(inner);
      out.appendChild(el);
    }
    return out;
  }

  function cleanHtml(html) {
    // A <template>'s content belongs to an inert document: nothing in it runs or loads.
    // Style and on* attributes are cut first: the rebuild drops them anyway, and this keeps
    // the browser from reporting CSP violations for each one (Word puts style on every span).
    var inert = document.createElement("template");
    inert.innerHTML = html.replace(/\s(?:style|on[a-z]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi, "");
    var box = document.createElement("div");
    box.appendChild(cleanNode(inert.content, document));
    return box.innerHTML;
  }

  function escapeText(text) {
    var box = document.createElement("div");
    box.textContent = text;
    return box.innerHTML;
  }

  function setup(textarea) {
    if (!window.pell || textarea.dataset.richReady) return;
    textarea.dataset.richReady = "1";
    var labels = {};
    try { labels = JSON.parse(textarea.dataset.richEditor || "{}"); } catch (e) { labels = {}; }
    var t = function (key, fallback) { return labels[key] || fallback; };
    var holder = document.createElement("div");
    holder.className = "rich-editor";
    textarea.parentNode.insertBefore(holder, textarea);
    var exec = pell.exec;
    var editor = pell.init({
      element: holder,
      defaultParagraphSeparator: "p",
      onChange: function (html) { textarea.value = html; saveDraft(html); },
      actions: [
        { name: "bold", icon: "<b>B</b>", title: t("bold", "Bold") },
        { name: "italic", icon: "<i>I</i>", title: t("italic", "Italic") },
        { name: "underline", icon: "<u>U</u>", title: t("underline", "Underline") },
        { name: "h3", icon: "<b>H</b>", title: t("heading", "Heading"), result: function () { return exec("formatBlock", "<h3>"); } },
        { name: "h4", icon: "<b>h</b>", title: t("subheading", "Subheading"), result: function () { return exec("formatBlock", "<h4>"); } },
        { name: "paragraph", icon: "&#182;", title: t("paragraph", "Paragraph") },
        { name: "ulist", icon: "&#8226;", title: t("ulist", "Bulleted list") },
        { name: "olist", icon: "1.", title: t("olist", "Numbered list") },
        { name: "quote", icon: "&#8220;", title: t("quote", "Quote") },
        { name: "link", icon: "&#128279;", title: t("link", "Link"), result: function () {
          var url = window.prompt(t("link_prompt", "Link address (http:// or https://)"), "https://");
          if (url && /^https?:\/\/\S+$/i.test(url.trim())) exec("createLink", url.trim());
        } }
      ],
      classes: { actionbar: "rich-toolbar", button: "rich-button", content: "rich-content minutes",
        selected: "rich-button-on" }
    });
    var content = editor.content;
    content.id = textarea.id + "_editor";
    content.setAttribute("role", "textbox");
    content.setAttribute("aria-multiline", "true");
    var label = textarea.id && document.querySelector("label[for='" + textarea.id + "']");
    if (label) {
      label.id = label.id || textarea.id + "_label";
      content.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { content.focus(); });
    }
    holder.querySelector(".rich-toolbar").setAttribute("role", "toolbar");
    holder.querySelectorAll(".rich-button").forEach(function (b) { b.setAttribute("aria-label", b.title); });
    // A draft survives a failed close (the server redirects back with the error): kept in this
    // tab's sessionStorage for this page only.
    var draftKey = "dangjian.minutes:" + location.pathname;
    var saveDraft = function (html) { try { sessionStorage.setItem(draftKey, html); } catch (e) { /* private mode */ } };
    var start = textarea.value.trim();
    if (!start) { try { start = (sessionStorage.getItem(draftKey) || "").trim(); } catch (e) { start = ""; } }
    if (start) textarea.value = start;
    content.innerHTML = start ? (/<[a-z\/!]/i.test(start) ? cleanHtml(start) : escapeText(start).replace(/\n/g, "<br>")) : "";
    textarea.hidden = true;
    textarea.classList.add("rich-source");
    // A hidden required field would block the submit with no visible message; the server
    // answers "required" for empty minutes instead.
    textarea.required = false;
    content.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data) return;
      event.preventDefault();
      var html = data.getData("text/html");
      if (html) {
        exec("insertHTML", cleanHtml(html));
      } else {
        exec("insertText", data.getData("text/plain"));
      }
      textarea.value = content.innerHTML;
      saveDraft(textarea.value);
    });
    content.addEventListener("drop", function (event) { event.preventDefault(); });
    if (textarea.form) {
      textarea.form.addEventListener("submit", function () { textarea.value = content.innerHTML; });
    }
  }

  function init() {
    document.querySelectorAll("textarea[data-rich-editor]").forEach(setup);
  }
  window.dangjianCleanPastedHtml = cleanHtml;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSwap", init);
})();
