package tray

import _ "embed" // the tray icons

// Icon is Guise's tray icon: the app icon at 64 px, made from
// build/appicon.png with ImageMagick (`convert -resize 64x64`).
//
//go:embed icons/idle.png
var Icon []byte

// ActiveIcon is Icon with a red dot, shown while an impersonation runs.
//
//go:embed icons/active.png
var ActiveIcon []byte
