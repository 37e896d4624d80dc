// TEST ONLY (tests/e2e/compositors.py): lets the Cuecards tests drive a headless GNOME Shell
// 42-44 through org.gnome.Shell.Eval and org.gnome.Shell.Screenshot, which are refused
// unless unsafe mode is on. Never install this on a real desktop.

function init() {
    return {
        enable() {
            global.context.unsafe_mode = true;
        },
        disable() {
            global.context.unsafe_mode = false;
        },
    };
}
