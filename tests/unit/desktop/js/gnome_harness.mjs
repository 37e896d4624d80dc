// Runs the GNOME Shell extension (resources/desktop/gnome-shell-extension/…/extension.js)
// against a scripted fake shell and prints what it exported and emitted on D-Bus.
// Usage: node gnome_harness.mjs EXTENSION_JS module|legacy
// A `module` (GNOME 45+) is imported: its `gi://` and `resource://` imports resolve to the
// fakes below. A `legacy` script (GNOME 42-44) runs with the fakes as `imports.gi` and its
// global init() makes the extension, as those shells do. The fake MetaWindow offers
// get_wm_class, get_title, get_pid, is_fullscreen and connect/disconnect for notify::title,
// notify::fullscreen and unmanaged, as Mutter's does.
import { register } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

register("data:text/javascript," + encodeURIComponent(`
export async function resolve(specifier, context, next) {
    if (specifier.startsWith("gi://") || specifier.startsWith("resource://"))
        return { url: "fake:" + specifier, shortCircuit: true };
    return next(specifier, context);
}
export async function load(url, context, next) {
    if (!url.startsWith("fake:")) return next(url, context);
    const name = JSON.stringify(url.slice(5));
    return { format: "module", shortCircuit: true, source:
        "export default globalThis.fakes[" + name + "];" +
        "export const Extension = globalThis.fakes.Extension;" };
}`));

function emitter() {
    let next = 1;
    const handlers = new Map();
    return {
        connect(name, fn) { handlers.set(next, [name, fn]); return next++; },
        disconnect(id) {
            if (!handlers.delete(id)) throw new Error("unknown handler " + id);
        },
        emit(name) { for (const [n, fn] of [...handlers.values()]) if (n === name) fn(); },
        get count() { return handlers.size; },
    };
}

function metaWindow(props) {
    const signals = emitter();
    return Object.assign(signals, {
        get_wm_class: () => props.wmClass, get_title: () => props.title,
        get_pid: () => props.pid, is_fullscreen: () => props.fullscreen,
        app: props.app, props,
    });
}

const exported = [];
const emitted = [];
const display = Object.assign(emitter(), { focus_window: null });
globalThis.global = { display };
globalThis.fakes = {
    "gi://Gio": {
        DBus: { session: "session-bus" },
        DBusExportedObject: {
            wrapJSObject: (xml, target) => ({
                export: (bus, path) => exported.push({ bus, path, xml }),
                unexport: () => exported.push({ unexported: true }),
                emit_signal: (name, variant) => emitted.push([name, variant.type, variant.values[0]]),
            }),
        },
    },
    "gi://GLib": { Variant: class { constructor(type, values) { this.type = type; this.values = values; } } },
    "gi://Shell": { WindowTracker: { get_default: () => ({ get_window_app: (w) => w.app }) } },
    Extension: class {},
};

const calc = metaWindow({
    wmClass: "libreoffice-calc", title: "Budget.xlsx - LibreOffice Calc", pid: 4242,
    fullscreen: false, app: { get_id: () => "libreoffice-calc.desktop" },
});
const files = metaWindow({
    wmClass: "org.gnome.Nautilus", title: "Documents", pid: 5151, fullscreen: false,
    app: { get_id: () => "org.gnome.Nautilus.desktop" },
});
const focus = (w) => { display.focus_window = w; display.emit("notify::focus-window"); };

async function load(path, format) {
    if (format === "module")
        return new (await import(pathToFileURL(path).href)).default();
    const source = readFileSync(path, "utf8");
    const imports = { gi: { Gio: fakes["gi://Gio"], GLib: fakes["gi://GLib"], Shell: fakes["gi://Shell"] } };
    return new Function("imports", source + "\nreturn init();")(imports);
}

const fakes = globalThis.fakes;
const extension = await load(process.argv[2], process.argv[3]);
display.focus_window = calc;
extension.enable();
const current = extension.Current();
focus(files);                                    // switch
files.props.title = "Pictures"; files.emit("notify::title");
calc.props.title = "Secret.xlsx"; calc.emit("notify::title");  // inactive: not reported
files.props.fullscreen = true; files.emit("notify::fullscreen");
focus(null);                                     // nothing focused
extension.disable();

console.log(JSON.stringify({
    exported, emitted, current,
    handlers: { display: display.count, calc: calc.count, files: files.count },
}));
