/**
 * The bot-detection probe page of the zero-footprint test. It runs the checks
 * detection scripts use and records what fired:
 *
 * - `pst-get` / `pst-set`: an accessor on `Error.prepareStackTrace` plus a
 *   `console.debug(new Error())` every 50 ms — fires when a DevTools client has
 *   `Runtime.enable`d the page (the console message is serialized);
 * - `hook:<name>`: main-world function hooks on what an instrumentation might
 *   call (`getContext`, `permissions.query`, `querySelector`, `evaluate`,
 *   `createElement`, `Function.prototype.toString`);
 * - `webdriver-read` / `webdriver-tampered`: a getter spy on
 *   `Navigator.prototype.webdriver`, and a check that the property is still the
 *   browser's own (native getter, same value).
 *
 * The verdict goes into `document.title` as `probe:<clean|fired:a,b>:<ticks>`.
 */
export const PROBE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>probe:pending</title></head>
<body><p id="verdict">pending</p><script>
(function () {
  var fired = [];
  var armed = false;
  function mark(what) { if (armed && fired.indexOf(what) < 0) fired.push(what); }
  var real = Error.prepareStackTrace;
  Object.defineProperty(Error, 'prepareStackTrace', { configurable: true,
    get: function () { mark('pst-get'); return real; }, set: function (v) { mark('pst-set'); real = v; } });
  function hook(obj, name, label) {
    var orig = obj[name];
    obj[name] = function () { mark('hook:' + label); return orig.apply(this, arguments); };
  }
  hook(HTMLCanvasElement.prototype, 'getContext', 'getContext');
  if (window.Permissions) hook(Permissions.prototype, 'query', 'permissions.query');
  hook(Document.prototype, 'querySelector', 'querySelector');
  hook(Document.prototype, 'evaluate', 'evaluate');
  hook(Document.prototype, 'createElement', 'createElement');
  hook(Function.prototype, 'toString', 'toString');
  var desc = Object.getOwnPropertyDescriptor(Navigator.prototype, 'webdriver');
  var nativeGet = desc && desc.get;
  var initial = navigator.webdriver;
  Object.defineProperty(Navigator.prototype, 'webdriver', { configurable: true, enumerable: true,
    get: function () { mark('webdriver-read'); return nativeGet.call(this); } });
  var ticks = 0;
  armed = true;
  function tick() {
    ticks++;
    console.debug(new Error('probe'));
    armed = false;
    var d = Object.getOwnPropertyDescriptor(Navigator.prototype, 'webdriver');
    var now = nativeGet.call(navigator);
    armed = true;
    if (now !== initial || Object.getOwnPropertyDescriptor(navigator, 'webdriver') !== undefined || !d) mark('webdriver-tampered');
    var verdict = fired.length ? 'fired:' + fired.sort().join(',') : 'clean';
    armed = false;
    document.title = 'probe:' + verdict + ':' + ticks;
    document.getElementById('verdict').textContent = verdict;
    armed = true;
  }
  tick();
  setInterval(tick, 50);
})();
</script></body></html>`;
