// Fedipress: "copy the handle" and "follow / reply from your server", without a framework.
// The only request made is to the reader's own server (its WebFinger, for the FEP-3b86 intent
// or the authorize_interaction page it advertises); without JavaScript the same form opens
// /interact/, which says what to do by hand.
(function () {
  "use strict";
  var INTENTS = {
    follow: ["https://w3id.org/fep/3b86/Follow", "object"],
    reply: ["https://w3id.org/fep/3b86/Object", "object"]
  };
  var SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe";

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        button.textContent = "Copied";
      });
    });
  });

  function reader(value) {
    var text = value.trim().replace(/^@/, "").replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    var at = text.lastIndexOf("@");
    return at > 0 ? {user: text.slice(0, at), host: text.slice(at + 1)} : {user: null, host: text};
  }

  function fill(template, name, uri) {
    return template.split("{" + name + "}").join(encodeURIComponent(uri));
  }

  function target(form, done) {
    var who = reader(form.elements.server.value);
    var uri = form.elements.uri.value;
    var intent = INTENTS[form.getAttribute("data-intent")] || INTENTS.follow;
    var fallback = "https://" + who.host + "/authorize_interaction?uri=" + encodeURIComponent(uri);
    if (!/^[a-z0-9.-]+(:[0-9]+)?$/i.test(who.host)) return done(null);
    if (!who.user) return done(fallback);
    fetch("https://" + who.host + "/.well-known/webfinger?resource=" +
          encodeURIComponent("acct:" + who.user + "@" + who.host),
          {headers: {Accept: "application/jrd+json"}, credentials: "omit", referrerPolicy: "no-referrer"})
      .then(function (answer) { return answer.json(); })
      .then(function (jrd) {
        var links = (jrd && jrd.links) || [];
        var exact = links.filter(function (l) { return l.rel === intent[0] && l.template; })[0];
        var subscribe = links.filter(function (l) { return l.rel === SUBSCRIBE && l.template; })[0];
        done(exact ? fill(exact.template, intent[1], uri)
             : subscribe ? fill(subscribe.template, "uri", uri) : fallback);
      })
      .catch(function () { done(fallback); });
  }

  document.querySelectorAll("form.interact").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      target(form, function (url) {
        if (url) window.location.assign(url);
        else form.elements.server.setCustomValidity("A server name, like mastodon.social");
      });
    });
  });
})();
