// Runs resources/desktop/kwin/cuecards-watch.js against a scripted fake KWin and prints what
// it sent over D-Bus. Usage: node kwin_harness.js RENDERED_SCRIPT (kwin6|kwin5), where the
// script was rendered by app.desktop.watch.shell_payload.render_kwin_script.
// The fake follows KWin's scripting API: workspace.windowActivated / activeWindow (6) or
// clientActivated / activeClient (5.27), windows with caption, resourceClass,
// desktopFileName, pid, fullScreen and captionChanged / fullScreenChanged signals.
"use strict";
const fs = require("fs");
const vm = require("vm");

const [scriptPath, api] = process.argv.slice(2);
const source = fs.readFileSync(scriptPath, "utf8");

function signal() {
    const slots = [];
    return {
        connect: (fn) => slots.push(fn),
        disconnect: (fn) => {
            const i = slots.indexOf(fn);
            if (i < 0) throw new Error("not connected");
            slots.splice(i, 1);
        },
        emit: (...args) => slots.slice().forEach((fn) => fn(...args)),
        get count() { return slots.length; },
    };
}

function window(props) {
    return Object.assign({ captionChanged: signal(), fullScreenChanged: signal() }, props);
}

const calc = window({
    resourceClass: "libreoffice-calc", desktopFileName: "libreoffice-calc",
    caption: "Budget.xlsx - LibreOffice Calc", pid: 4242, fullScreen: false,
});
const dolphin = window({
    resourceClass: "org.kde.dolphin", desktopFileName: "org.kde.dolphin",
    caption: "Documents — Dolphin", pid: 5151, fullScreen: false,
});
const calls = [];
const activated = signal();
const workspace = api === "kwin5"
    ? { clientActivated: activated, activeClient: calc }
    : { windowActivated: activated, activeWindow: calc };
vm.runInNewContext(source, { workspace, callDBus: (...args) => calls.push(args), JSON, String, Boolean });

activated.emit(dolphin);                       // switch
dolphin.caption = "Pictures — Dolphin";        // title change in the active window
dolphin.captionChanged.emit();
calc.caption = "Secret.xlsx - LibreOffice Calc"; // inactive window: must not report
calc.captionChanged.emit();
dolphin.fullScreen = true;                     // full screen on
dolphin.fullScreenChanged.emit();
activated.emit(null);                          // nothing active

console.log(JSON.stringify({
    calls,
    listeners: { calc: calc.captionChanged.count, dolphin: dolphin.captionChanged.count },
}));
