// Cuecards focus reporter for GNOME Shell (Wayland and X11).
//
// THE source of both shipped formats: `python -m app.desktop.watch.gnome_extension` writes
// the GNOME 45+ module and the GNOME 42-44 script (imports.gi, a global init()) from it into
// ../shell-45-and-later/ and ../shell-42-to-44/. Write it as a module, keep the four import
// lines and the `export` forms below as they are (the build step checks for them).
//
// On Wayland only the compositor knows which window is in front, so this extension exports
// /org/cuecards/Shell (interface org.cuecards.Shell) on the session bus: a FocusChanged(s)
// signal whenever the focused window, its title or its full-screen state changes, and a
// Current() method for the state right now. The string is the JSON payload that
// app/desktop/watch/shell_payload.py parses (version 1). Nothing is stored. Like anything on
// the session bus, the signal is visible to the same user's other processes.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Shell from 'gi://Shell';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

const OBJECT_PATH = '/org/cuecards/Shell';
const INTERFACE_XML = `
<node>
  <interface name="org.cuecards.Shell">
    <method name="Current">
      <arg type="s" direction="out" name="payload"/>
    </method>
    <signal name="FocusChanged">
      <arg type="s" name="payload"/>
    </signal>
  </interface>
</node>`;

export function describe(event, window) {
    if (!window)
        return JSON.stringify({v: 1, event: 'none'});
    const app = Shell.WindowTracker.get_default().get_window_app(window);
    const pid = window.get_pid();
    return JSON.stringify({
        v: 1,
        event,
        class: window.get_wm_class() ?? '',
        app_id: app ? app.get_id() ?? '' : '',
        title: window.get_title() ?? '',
        pid: pid > 0 ? pid : null,
        fullscreen: Boolean(window.is_fullscreen()),
    });
}

export default class CuecardsExtension extends Extension {
    enable() {
        this._window = null;
        this._windowSignals = [];
        this._dbus = Gio.DBusExportedObject.wrapJSObject(INTERFACE_XML, this);
        this._dbus.export(Gio.DBus.session, OBJECT_PATH);
        this._focusSignal = global.display.connect('notify::focus-window', () => this._follow());
        this._follow();
    }

    disable() {
        global.display.disconnect(this._focusSignal);
        this._unwatch();
        this._dbus.unexport();
        this._dbus = null;
    }

    // D-Bus method: the focused window now.
    Current() {
        return describe('activated', global.display.focus_window);
    }

    _follow() {
        this._unwatch();
        const window = global.display.focus_window;
        if (window) {
            this._window = window;
            this._windowSignals = [
                window.connect('notify::title', () => this._emit('title')),
                window.connect('notify::fullscreen', () => this._emit('fullscreen')),
                window.connect('unmanaged', () => this._unwatch()),
            ];
        }
        this._emit('activated');
    }

    _unwatch() {
        if (this._window) {
            for (const id of this._windowSignals)
                this._window.disconnect(id);
        }
        this._window = null;
        this._windowSignals = [];
    }

    _emit(event) {
        const payload = describe(event, this._window);
        this._dbus?.emit_signal('FocusChanged', new GLib.Variant('(s)', [payload]));
    }
}
