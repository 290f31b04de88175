// Starts the chat widget (rasa-webchat) and adds what it lacks for keyboard and screen-reader users
// (docs/accessibility.md): labels, a polite live log of the conversation, the bot's choices as real
// buttons, and a crisis reply that is announced assertively and marked by more than its colour.
// After each FAQ answer it asks "Was this helpful?" (👍 / 👎, real buttons with spoken names); a 👎 asks
// what the person was looking for and offers the staff. The vote goes to the Rasa server's
// /webhooks/feedback/answer (clinic/feedback/channel.py); it never blocks the conversation. Which answers
// were asked about, and how each was rated, is kept with the conversation (local storage), so a page
// reload shows the question again under each answer not rated yet and "You rated this answer" under the rest.
(function () {
  var config = JSON.parse(document.getElementById("chat-config").textContent);

  var container = document.getElementById("webchat");
  var pendingAnswer = null; // the time of the latest FAQ answer, until its question is shown
  var settleTimer = null;
  window.WebChat.default({
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    title: config.title,
    subtitle: "Automated assistant, not medical advice",
    inputTextFieldHint: "Type your question",
    embedded: true,
    showMessageDate: false,
    hideWhenNotConnected: false,
    customMessageDelay: function () { return 200; },
    // Local storage keeps the session id and the conversation across page reloads.
    params: { storage: "local" },
    onSocketEvent: {
      // Sent by the server after each FAQ answer (clinic/channels/socketio.py).
      answer_sent: function (answer) {
        if (answer && typeof answer.answer_at === "number") pendingAnswer = answer.answer_at;
      }
    }
  }, container);

  // The conversation id the server confirmed, as the widget keeps it (a session_confirm handler of our
  // own here would keep the widget from showing).
  function currentSessionId() {
    try {
      return (JSON.parse(localStorage.getItem("chat_session")) || {}).session_id || null;
    } catch (error) {
      return null;
    }
  }

  // {session_id, answers: [{at: <answer time>, after: <messages shown above its question>, vote: "up"|"down"}]}
  var FEEDBACK_KEY = "chat_feedback";

  function savedFeedback() {
    try {
      var saved = JSON.parse(localStorage.getItem(FEEDBACK_KEY)) || {};
      if (saved.session_id === currentSessionId() && Array.isArray(saved.answers)) return saved;
    } catch (error) {
      // Unreadable: start again.
    }
    return { session_id: currentSessionId(), answers: [] };
  }

  function remember(answerAt, changes) {
    var saved = savedFeedback();
    var answer = saved.answers.filter(function (a) { return a.at === answerAt; })[0];
    if (!answer) {
      answer = { at: answerAt };
      saved.answers.push(answer);
    }
    Object.keys(changes).forEach(function (name) { answer[name] = changes[name]; });
    try {
      localStorage.setItem(FEEDBACK_KEY, JSON.stringify(saved));
    } catch (error) {
      // Storage full or off: the question is simply not shown again after a reload.
    }
  }

  function sendFeedback(answerAt, helpful, comment) {
    var sessionId = currentSessionId();
    if (!sessionId) return Promise.resolve(false);
    var body = { session_id: sessionId, answer_at: answerAt, helpful: helpful };
    if (comment) body.comment = comment;
    return fetch(config.socketUrl.replace(/\/$/, "") + "/webhooks/feedback/answer", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) { return response.ok; }, function () { return false; });
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  // Sends a message as if typed: the widget's own box and Send button.
  function say(text) {
    var box = messageBox();
    if (!box) return;
    var setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(box), "value").set;
    setter.call(box, text);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    var form = box.closest("form");
    if (form) form.requestSubmit();
    box.focus();
  }

  function thanks(panel, text) {
    panel.textContent = "";
    panel.appendChild(element("p", { role: "status", "class": "feedback-thanks" }, text));
  }

  function askWhatWasMissing(panel, answerAt) {
    panel.textContent = "";
    var id = "feedback-comment-" + String(answerAt).replace(/\D/g, "");
    var form = element("form", { "class": "feedback-comment" });
    form.appendChild(element("label", { "for": id }, "What were you looking for?"));
    var input = element("input", { id: id, type: "text", maxlength: "500", autocomplete: "off" });
    form.appendChild(input);
    form.appendChild(element("button", { type: "submit" }, "Send"));
    var staff = element("button", { type: "button", "class": "feedback-staff" }, "Talk to our staff");
    form.appendChild(staff);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopPropagation();
      var comment = input.value.trim();
      if (comment) sendFeedback(answerAt, false, comment);
      thanks(panel, "Thank you: our team reads this to improve the answers.");
      var box = messageBox();
      if (box) box.focus();
    });
    staff.addEventListener("click", function () {
      var comment = input.value.trim();
      if (comment) sendFeedback(answerAt, false, comment);
      thanks(panel, "Thank you.");
      say("I'd like to talk to the clinic staff");
    });
    panel.appendChild(form);
    input.focus();
  }

  function feedbackPanel(answerAt) {
    var panel = element("div", { "class": "feedback", role: "group", "aria-label": "Feedback on this answer",
                                 "data-answer-at": String(answerAt) });
    panel.appendChild(element("span", {}, "Was this helpful?"));
    var yes = element("button", { type: "button", "aria-label": "Yes, this answer was helpful" }, "\uD83D\uDC4D");
    var no = element("button", { type: "button", "aria-label": "No, this answer was not helpful" }, "\uD83D\uDC4E");
    yes.addEventListener("click", function () {
      remember(answerAt, { vote: "up" });
      sendFeedback(answerAt, true);
      thanks(panel, "Thank you for your feedback.");
      var box = messageBox();
      if (box) box.focus();
    });
    no.addEventListener("click", function () {
      remember(answerAt, { vote: "down" });
      sendFeedback(answerAt, false);
      askWhatWasMissing(panel, answerAt);
    });
    panel.appendChild(yes);
    panel.appendChild(no);
    return panel;
  }

  // The question goes under the answer once the widget has shown all of it (its messages appear one
  // by one): when nothing has changed in the conversation for a moment.
  function showFeedbackWhenSettled() {
    if (pendingAnswer === null) return;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(function () {
      var log = container.querySelector(".rw-messages-container");
      if (pendingAnswer === null || !log || container.querySelector(".rw-typing-indication")) {
        if (pendingAnswer !== null) showFeedbackWhenSettled();
        return;
      }
      var answerAt = pendingAnswer;
      pendingAnswer = null;
      remember(answerAt, { after: shownMessages(log).length });
      log.appendChild(feedbackPanel(answerAt));
    }, 600);
  }

  function shownMessages(log) {
    return log.querySelectorAll(".rw-message:not(.rw-typing-indication)");
  }

  // After a reload the widget shows the kept conversation again: each answer asked about gets its
  // question back, under the message it followed, or a note of the rating given.
  function restoreFeedback() {
    var log = container.querySelector(".rw-messages-container");
    if (!log) return;
    var messages = shownMessages(log);
    savedFeedback().answers.forEach(function (answer) {
      if (typeof answer.after !== "number" || answer.after < 1 || answer.after > messages.length) return;
      if (log.querySelector('[data-answer-at="' + String(answer.at) + '"]')) return;
      var note = answer.vote
        ? element("div", { "class": "feedback", "data-answer-at": String(answer.at) })
        : feedbackPanel(answer.at);
      if (answer.vote) {
        note.appendChild(element("p", { "class": "feedback-thanks" }, answer.vote === "up"
          ? "You rated this answer helpful." : "You rated this answer not helpful."));
      }
      var message = messages[answer.after - 1];
      var shown = message.closest(".rw-group-message") || message;
      shown.parentNode.insertBefore(note, shown.nextSibling);
    });
  }

  function messageBox() {
    return container.querySelector(".rw-new-message");
  }

  // rasa-webchat 1.0.1 renders quick replies and buttons as <div class="rw-reply"> with only a click
  // handler: give each the role, the tab stop and the keys of a button. Pressing one sends it, and the
  // widget then removes it, so focus goes back to the message box rather than to the page's top.
  function press(event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    var reply = event.currentTarget;
    reply.click();
    var box = messageBox();
    if (box) box.focus();
  }

  function makeButton(reply) {
    if (reply.tagName === "A" || reply.dataset.keyboard) return;
    reply.dataset.keyboard = "on";
    reply.setAttribute("role", "button");
    reply.setAttribute("tabindex", "0");
    reply.addEventListener("keydown", press);
  }

  function improve(root) {
    var input = messageBox();
    if (input && !input.getAttribute("aria-label")) {
      input.setAttribute("aria-label", "Your message to the clinic's assistant");
    }
    var send = root.querySelector(".rw-send");
    if (send && !send.getAttribute("aria-label")) {
      send.setAttribute("aria-label", "Send");
    }
    var log = root.querySelector(".rw-messages-container");
    if (log && !log.getAttribute("role")) {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "Conversation");
      // A scrolling region keyboard users can scroll with the arrow keys.
      log.setAttribute("tabindex", "0");
    }
    root.querySelectorAll(".rw-replies").forEach(function (group) {
      if (!group.getAttribute("role")) {
        group.setAttribute("role", "group");
        group.setAttribute("aria-label", "Choices");
      }
    });
    root.querySelectorAll(".rw-reply").forEach(makeButton);
    root.querySelectorAll(".rw-response").forEach(function (message) {
      // The crisis reply (domain.yml `utter_crisis`) is the one that says the conversation was flagged for
      // the team, as clinic_nlu.evaluation's CRISIS_REPLY reads it. Other replies name the 988 line too
      // (asking back, another language, questions about suicidal thoughts) and are not alerts.
      if (!message.classList.contains("crisis-reply") && /\bflagged this\b/.test(message.textContent)) {
        message.classList.add("crisis-reply");
        message.setAttribute("role", "alert");
      }
    });
  }

  // Sent with the Send button, which is disabled once the box is empty: the focus goes back to the box.
  container.addEventListener("submit", function () {
    var box = messageBox();
    if (box) box.focus();
  });

  new MutationObserver(function () { improve(container); restoreFeedback(); showFeedbackWhenSettled(); })
    .observe(container, { childList: true, subtree: true });
})();
