// Follow a run's Server-Sent Events. EventSource resends Last-Event-ID when the connection drops and
// the server replays what was missed; ids only go up, so anything already seen is skipped here.
const TYPES = [
  "run.started", "step.started", "step.log", "step.token", "file.written",
  "test.result", "step.finished", "run.finished", "run.failed", "run.cancelled",
];
const TERMINAL = new Set(["run.finished", "run.failed", "run.cancelled"]);

// `url`: another stream of the same events (a shared run's public one).
export function follow(runId, { onEvent, onEnd, onDrop, onLost, url = null }) {
  const source = new EventSource(url || `/api/runs/${encodeURIComponent(runId)}/events`);
  let last = 0;
  for (const type of TYPES) {
    source.addEventListener(type, (message) => {
      const event = JSON.parse(message.data);
      if (event.id <= last) return;
      last = event.id;
      if (TERMINAL.has(event.type)) {
        source.close();
        onEnd(event);
      } else {
        onEvent(event);
      }
    });
  }
  source.addEventListener("error", () => {
    // CONNECTING: the browser is retrying by itself. CLOSED: the server refused (ended session, no
    // such run), so the caller finds out why.
    if (source.readyState === EventSource.CLOSED) onLost();
    else onDrop();
  });
  source.addEventListener("open", () => onDrop(false));
  return () => source.close();
}
