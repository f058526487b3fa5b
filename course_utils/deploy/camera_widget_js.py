"""The browser half of :func:`course_utils.deploy.camera_widget.camera_widget` (an anywidget front-end module).

Kept as strings here (not a ``.js`` file) so the package ships it without package data. The module captures the
camera with ``getUserMedia``, counts down, and sends the centre square of one frame, scaled to ``size`` pixels,
as RGBA bytes in a custom message ``{type: "frame"}``; an upload goes the same way. Camera failures are sent as
``{type: "camera", state}`` and the kernel answers with the reason. Every answer arrives as the ``result`` trait.
"""

ESM = r"""
const WORDS = ["rock…", "paper…", "scissors…", "shoot!"];

function render({ model, el }) {
  const size = model.get("size");
  const root = document.createElement("div");
  root.className = "course-camera";
  root.innerHTML = `
    <div class="course-camera-stage">
      <video playsinline muted></video><div class="course-camera-count"></div>
    </div>
    <div class="course-camera-buttons">
      <button class="start">Start the camera</button>
      <button class="play" disabled>Play a round</button>
      <button class="generated">Generated hand</button>
      <label>Upload <input class="upload" type="file" accept="image/*"></label>
    </div>
    <div class="course-camera-result">
      <img class="crop" alt="what the model saw" width="96" height="96">
      <div><div class="message">Start the camera, or play a generated hand.</div>
           <div class="score"></div><ol class="history"></ol></div>
    </div>`;
  el.appendChild(root);
  const $ = (s) => root.querySelector(s);
  const video = $("video"), canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let stream = null, shot = 0, sentAt = 0;

  const send = (content, buffers) => model.send(content, undefined, buffers);
  const cameraProblem = (state, detail = "") => {
    stop();
    root.dataset.camera = state;
    send({ type: "camera", state, detail, shot: ++shot });
  };
  const stop = () => { if (stream) stream.getTracks().forEach((t) => t.stop()); stream = null; $(".play").disabled = true; };

  function sendSquare(source, width, height, kind) {
    const side = Math.min(width, height);
    ctx.drawImage(source, (width - side) / 2, (height - side) / 2, side, side, 0, 0, size, size);
    const rgba = ctx.getImageData(0, 0, size, size).data;
    sentAt = performance.now();
    send({ type: "frame", source: kind, shot: ++shot }, [rgba.buffer]);
  }

  async function start() {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) return cameraProblem("insecure");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
    } catch (err) {
      const state = { NotAllowedError: "denied", SecurityError: "denied", NotFoundError: "no-device",
                      OverconstrainedError: "no-device", NotReadableError: "busy" }[err.name] ?? "error";
      return cameraProblem(state, `${err.name}: ${err.message}`);
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return cameraProblem("no-device");
    track.addEventListener("ended", () => cameraProblem("ended"));
    root.cameraTrack = track;   // for tests: what a browser fires when a camera goes away
    video.srcObject = stream;
    await video.play();
    root.dataset.camera = "running";
    $(".play").disabled = false;
  }

  async function play() {
    $(".play").disabled = true;
    for (const word of WORDS) {
      $(".course-camera-count").textContent = word;
      await new Promise((r) => setTimeout(r, model.get("countdown_ms")));
    }
    $(".course-camera-count").textContent = "";
    if (stream && video.videoWidth) sendSquare(video, video.videoWidth, video.videoHeight, "camera");
    $(".play").disabled = !stream;
  }

  function upload(file) {
    const img = new Image();
    img.onload = () => sendSquare(img, img.naturalWidth, img.naturalHeight, "upload");
    img.onerror = () => { $(".message").textContent = "⚠️ that file is not an image the browser can read (JPEG or PNG expected)"; };
    img.src = URL.createObjectURL(file);
  }

  function show() {
    const r = model.get("result") || {};
    if (!r.message) return;
    const roundTrip = sentAt ? ` · frame to answer ${(performance.now() - sentAt).toFixed(0)} ms` : "";
    $(".message").textContent = r.message + (r.ok && sentAt ? roundTrip : "");
    $(".score").textContent = r.score ?? "";
    if (r.crop) $(".crop").src = r.crop;
    if (r.history) $(".history").innerHTML = r.history.map((h) => `<li>${h}</li>`).join("");
    root.dataset.rounds = r.rounds ?? 0;
    sentAt = 0;
  }

  $(".start").addEventListener("click", start);
  $(".play").addEventListener("click", play);
  $(".generated").addEventListener("click", () => send({ type: "generated", shot: ++shot }));
  $(".upload").addEventListener("change", (e) => e.target.files[0] && upload(e.target.files[0]));
  model.on("change:result", show);
  show();
  return () => stop();
}

export default { render };
"""

CSS = """
.course-camera { font-family: system-ui, sans-serif; max-width: 36rem; }
.course-camera-stage { position: relative; width: 192px; height: 192px; background: #ddd; border-radius: 6px; overflow: hidden; }
.course-camera-stage video { width: 192px; height: 192px; object-fit: cover; transform: scaleX(-1); }
.course-camera-count { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  font-size: 1.8rem; font-weight: bold; color: white; text-shadow: 0 0 5px black; }
.course-camera-buttons { display: flex; flex-wrap: wrap; gap: .4rem; margin: .5rem 0; align-items: center; }
.course-camera-result { display: flex; gap: .8rem; align-items: flex-start; }
.course-camera-result img { image-rendering: pixelated; border: 1px solid #999; }
"""
