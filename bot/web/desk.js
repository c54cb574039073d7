// The answer desk: search, browse by area, copy an answer. Every text from the server is
// shown with textContent, never as HTML. The words come from #desk-words in desk.html.
(function () {
  "use strict";

  var words = document.getElementById("desk-words").dataset;
  var form = document.getElementById("search-form");
  var question = document.getElementById("question");
  var results = document.getElementById("results");
  var searchStatus = document.getElementById("search-status");
  var areas = document.getElementById("areas");
  var entries = document.getElementById("entries");
  var browseStatus = document.getElementById("browse-status");
  var cardNumber = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (reply) {
        return reply.json().catch(function () { return {}; }).then(function (body) {
          if (!reply.ok) throw new Error(body.error || words.failed);
          return body;
        });
      }, function () { throw new Error(words.failed); });
  }

  // The answer's text: lines starting "- " become a list, other lines paragraphs.
  function answerBlocks(text) {
    var box = element("div", "answer");
    var list = null;
    text.split("\n").forEach(function (raw) {
      var line = raw.trim();
      if (!line) return;
      if (line.indexOf("- ") === 0) {
        if (!list) { list = element("ul"); box.appendChild(list); }
        list.appendChild(element("li", "", line.slice(2)));
      } else {
        list = null;
        box.appendChild(element("p", "", line));
      }
    });
    return box;
  }

  function copy(text, status, fallback) {
    function failed() {
      status.textContent = words.copyFailed;
      fallback.value = text;
      fallback.hidden = false;
      fallback.focus();
      fallback.select();
    }
    fallback.hidden = true;
    if (!navigator.clipboard || !window.isSecureContext) { failed(); return; }
    navigator.clipboard.writeText(text).then(function () {
      status.textContent = words.copied;
    }, failed);
  }

  function card(entry, headingLevel) {
    cardNumber += 1;
    var id = "entry-" + cardNumber;
    var article = element("article", "entry");
    article.setAttribute("aria-labelledby", id + "-title");
    article.dataset.entry = entry.id;
    var heading = element("h" + headingLevel, "entry-title", entry.question);
    heading.id = id + "-title";
    article.appendChild(heading);
    article.appendChild(element("p", "area-name", fill(words.area, { title: entry.area_title })));
    if (entry.note) article.appendChild(element("p", "note", entry.note));
    article.appendChild(answerBlocks(entry.answer));
    article.appendChild(element("p", "source", entry.source_line));
    article.appendChild(element("p", "reviewed", fill(words.reviewed, { date: entry.reviewed })));

    var actions = element("div", "copy-actions");
    var status = element("p", "copy-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var fallback = element("textarea", "copy-fallback");
    fallback.hidden = true;
    fallback.readOnly = true;
    fallback.rows = 6;
    fallback.setAttribute("aria-label", words.copyFailed);
    [["text", words.copyText], ["markdown", words.copyMarkdown]].forEach(function (kind) {
      var button = element("button", "secondary-button copy-" + kind[0], kind[1]);
      button.type = "button";
      button.setAttribute("aria-describedby", heading.id);
      button.addEventListener("click", function () { copy(entry.copy[kind[0]], status, fallback); });
      actions.appendChild(button);
    });
    article.appendChild(actions);
    article.appendChild(status);
    article.appendChild(fallback);
    return article;
  }

  function showEntry(entryId, target, status) {
    status.textContent = words.loading;
    getJson("/desk/api/entries?id=" + encodeURIComponent(entryId)).then(function (body) {
      target.replaceChildren(card(body.entries[0], 3));
      status.textContent = "";
      target.querySelector("h3").setAttribute("tabindex", "-1");
      target.querySelector("h3").focus();
    }, function (error) { status.textContent = error.message; });
  }

  function showArea(area) {
    Array.prototype.forEach.call(areas.querySelectorAll("button"), function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.area === area.id));
    });
    browseStatus.textContent = words.loading;
    getJson("/desk/api/entries?area=" + encodeURIComponent(area.id)).then(function (body) {
      var list = element("div", "entry-list");
      body.entries.forEach(function (entry) {
        var details = element("details", "entry-details");
        details.appendChild(element("summary", "", entry.question));
        details.appendChild(card(entry, 4));
        list.appendChild(details);
      });
      var heading = element("h3", "", body.area.title);
      heading.tabIndex = -1;
      entries.replaceChildren(heading, list);
      browseStatus.textContent = fill(words.areaCount, { title: body.area.title, count: body.area.count });
    }, function (error) { browseStatus.textContent = error.message; });
  }

  function areaButtons(target, list, onChoose) {
    list.forEach(function (area) {
      var button = element("button", "area-button", area.title + " (" + area.count + ")");
      button.type = "button";
      button.dataset.area = area.id;
      button.addEventListener("click", function () { onChoose(area); });
      target.appendChild(button);
    });
  }

  function showResults(body) {
    results.replaceChildren();
    if (body.answered) {
      searchStatus.textContent = body.results.length === 1 ? words.foundOne
        : fill(words.found, { count: body.results.length });
      body.results.forEach(function (entry) { results.appendChild(card(entry, 3)); });
    } else {
      searchStatus.textContent = words.none;
      var none = element("div", "no-answer");
      none.appendChild(element("h3", "", words.none));
      none.appendChild(element("p", "", body.message));
      none.appendChild(element("p", "", body.covered_intro));
      var covered = element("ul", "covered");
      body.areas.forEach(function (area) { covered.appendChild(element("li", "", area.title)); });
      none.appendChild(covered);
      results.appendChild(none);
    }
    if (body.nearby && body.nearby.length) {
      var nearby = element("div", "nearby");
      nearby.appendChild(element("p", "", words.nearby));
      var list = element("ul");
      var shown = element("div", "nearby-entry");
      var status = element("p", "status");
      status.setAttribute("role", "status");
      body.nearby.forEach(function (match) {
        var item = element("li");
        var button = element("button", "link-button", match.question);
        button.type = "button";
        button.addEventListener("click", function () { showEntry(match.id, shown, status); });
        item.appendChild(button);
        list.appendChild(item);
      });
      nearby.appendChild(list);
      nearby.appendChild(status);
      nearby.appendChild(shown);
      results.appendChild(nearby);
    }
  }

  function search(text) {
    searchStatus.textContent = words.searching;
    results.replaceChildren();
    getJson("/desk/api/search?q=" + encodeURIComponent(text)).then(showResults, function (error) {
      searchStatus.textContent = error.message;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = question.value.trim();
    if (!text) { question.focus(); return; }
    history.replaceState(null, "", "/desk?q=" + encodeURIComponent(text));
    search(text);
  });

  // Enter searches; Shift+Enter starts a new line.
  question.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  getJson("/desk/api/areas").then(function (body) {
    areaButtons(areas, body.areas, showArea);
  }, function (error) { browseStatus.textContent = error.message; });

  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    question.value = asked;
    search(asked);
  }
})();
