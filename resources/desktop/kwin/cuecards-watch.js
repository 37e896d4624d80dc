// Cuecards: tells the Cuecards process that loaded this script which window is active.
//
// Loaded at run time over D-Bus (org.kde.kwin.Scripting.loadScript) by
// app/desktop/watch/kde.py, which fills in SERVICE and PATH below with its own unique bus
// name and object path, so several Cuecards processes never hear each other's reports.
// Each report is one JSON string (app/desktop/watch/shell_payload.py, version 1). Works with
// the KWin 6 API (windowActivated, activeWindow) and the Plasma 5.27 one (clientActivated,
// activeClient). Nothing is stored; the title goes only to that one process.

const SERVICE = @SERVICE@;
const PATH = @PATH@;
const INTERFACE = "org.cuecards.Watcher";

function describe(event, window) {
    if (!window) {
        return JSON.stringify({ v: 1, event: "none" });
    }
    return JSON.stringify({
        v: 1,
        event: event,
        class: String(window.resourceClass || ""),
        app_id: String(window.desktopFileName || ""),
        title: String(window.caption || ""),
        pid: typeof window.pid === "number" && window.pid > 0 ? window.pid : null,
        fullscreen: Boolean(window.fullScreen),
    });
}

function report(event, window) {
    callDBus(SERVICE, PATH, INTERFACE, "Report", describe(event, window));
}

let watched = null;

function onCaptionChanged() {
    report("title", watched);
}

function onFullScreenChanged() {
    report("fullscreen", watched);
}

function follow(window) {
    if (watched) {
        try {
            watched.captionChanged.disconnect(onCaptionChanged);
            watched.fullScreenChanged.disconnect(onFullScreenChanged);
        } catch (error) {
            // The window is already gone; its signals went with it.
        }
    }
    watched = window || null;
    if (watched) {
        watched.captionChanged.connect(onCaptionChanged);
        watched.fullScreenChanged.connect(onFullScreenChanged);
    }
    report("activated", watched);
}

const activated = workspace.windowActivated || workspace.clientActivated;
activated.connect(follow);
follow(workspace.activeWindow !== undefined ? workspace.activeWindow : workspace.activeClient);
