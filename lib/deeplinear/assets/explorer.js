/* deeplinear explorer, static form: switches between frames precomputed at build time.
 * Makes no network request. Each explorer's HTML ends with an inline copy of this file and
 * a call window.deeplinearExplorer.init(root); the definitions below run once per page. */
(function () {
  "use strict";
  if (window.deeplinearExplorer) {
    return;
  }

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function init(root) {
    if (!root || root.getAttribute("data-dl-ready") === "1") {
      return;
    }
    root.setAttribute("data-dl-ready", "1");
    var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-dl-param]"));
    var labels = inputs.map(function (el) {
      return JSON.parse(el.getAttribute("data-dl-labels") || "[]");
    });
    var outputs = inputs.map(function (el) {
      return root.querySelector('output[for="' + el.id + '"]');
    });
    var frames = {};
    var current = null;
    each(root.querySelectorAll("img[data-dl-key]"), function (img) {
      frames[img.getAttribute("data-dl-key")] = img;
      if (!img.hidden) {
        current = img;
      }
    });

    function indexOf(el) {
      return el.tagName === "SELECT" ? el.selectedIndex : parseInt(el.value, 10);
    }

    function show() {
      var key = inputs.map(indexOf).join(",");
      var img = frames[key];
      if (img && img !== current) {
        img.hidden = false;
        if (current) {
          current.hidden = true;
        }
        current = img;
      }
      inputs.forEach(function (el, i) {
        var text = labels[i][indexOf(el)];
        if (text === undefined) {
          return;
        }
        if (el.type === "range") {
          el.setAttribute("aria-valuetext", text);
        }
        if (outputs[i]) {
          outputs[i].textContent = text;
        }
      });
      root.setAttribute("data-dl-current", key);
      root.dispatchEvent(new CustomEvent("dl-frame", { detail: { key: key, img: img } }));
    }

    inputs.forEach(function (el) {
      el.addEventListener("input", show);
      el.addEventListener("change", show);
    });

    each(root.querySelectorAll("button[data-dl-play]"), function (button) {
      var slider = document.getElementById(button.getAttribute("aria-controls"));
      var interval = parseInt(button.getAttribute("data-dl-interval"), 10) || 200;
      var loop = button.getAttribute("data-dl-loop") === "1";
      var timer = null;

      function setPlaying(on) {
        if (on && timer === null) {
          timer = window.setInterval(step, interval);
        } else if (!on && timer !== null) {
          window.clearInterval(timer);
          timer = null;
        }
        var playing = timer !== null;
        button.setAttribute("aria-label", playing ? "Pause" : "Play");
        button.setAttribute("data-dl-playing", playing ? "1" : "0");
        button.textContent = playing ? "\u275A\u275A Pause" : "\u25B6 Play";
      }

      function step() {
        var last = parseInt(slider.max, 10);
        var next = parseInt(slider.value, 10) + 1;
        if (next > last) {
          if (!loop) {
            setPlaying(false);
            return;
          }
          next = 0;
        }
        slider.value = String(next);
        show();
        if (next === last && !loop) {
          setPlaying(false);
        }
      }

      button.addEventListener("click", function () {
        if (timer !== null) {
          setPlaying(false);
          return;
        }
        if (parseInt(slider.value, 10) >= parseInt(slider.max, 10)) {
          slider.value = "0";
          show();
        }
        setPlaying(true);
      });
    });

    show();
  }

  window.deeplinearExplorer = { init: init };
})();
