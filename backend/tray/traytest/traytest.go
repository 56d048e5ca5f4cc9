// Package traytest plays the desktop's side of the tray in tests: a minimal
// StatusNotifierWatcher (the tray host items register with) and a dbusmenu
// client that reads a tray menu and clicks its items, as a panel would.
package traytest

import (
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	itemMenuPath = "/StatusNotifierItem/menu"
	menuIface    = "com.canonical.dbusmenu"
)

// ItemName is the bus name a systray process exports its item under.
func ItemName(pid int) string { return fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid) }

// Watcher is a StatusNotifierWatcher on its own connection. Items register
// with RegisterStatusNotifierItem; it records "<sender><path>".
type Watcher struct {
	conn  *dbus.Conn
	props *prop.Properties
	mu    sync.Mutex
	items []string
}

// StartWatcher connects to the bus at addr and owns the watcher's name.
func StartWatcher(addr string) (*Watcher, error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, err
	}
	w := &Watcher{conn: conn}
	if err := conn.Export(watcherMethods{w}, watcherPath, watcherName); err != nil {
		conn.Close()
		return nil, err
	}
	w.props, err = prop.Export(conn, watcherPath, prop.Map{watcherName: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		conn.Close()
		return nil, err
	}
	node := &introspect.Node{Name: watcherPath, Interfaces: []introspect.Interface{
		introspect.IntrospectData, prop.IntrospectData,
		{Name: watcherName, Methods: introspect.Methods(watcherMethods{}), Properties: w.props.Introspection(watcherName)},
	}}
	if err := conn.Export(introspect.NewIntrospectable(node), watcherPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		conn.Close()
		return nil, err
	}
	reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("cannot own %s (reply %v): %v", watcherName, reply, err)
	}
	return w, nil
}

// Items lists the items registered so far.
func (w *Watcher) Items() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.items...)
}

// Close gives the name up.
func (w *Watcher) Close() error { return w.conn.Close() }

type watcherMethods struct{ w *Watcher }

// RegisterStatusNotifierItem is the watcher's method items call. service is
// a bus name or, as systray sends, an object path on the sender.
func (m watcherMethods) RegisterStatusNotifierItem(service string, sender dbus.Sender) *dbus.Error {
	id := service
	if len(service) > 0 && service[0] == '/' {
		id = string(sender) + service
	}
	m.w.mu.Lock()
	m.w.items = append(m.w.items, id)
	items := append([]string(nil), m.w.items...)
	m.w.mu.Unlock()
	m.w.props.SetMust(watcherName, "RegisteredStatusNotifierItems", items)
	return nil
}

// RegisterStatusNotifierHost accepts any host.
func (watcherMethods) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// MenuItem is one top-level entry of a dbusmenu, with the spec's defaults
// applied (enabled and visible unless said otherwise).
type MenuItem struct {
	ID      int32
	Label   string
	Type    string // "standard" or "separator"
	Enabled bool
	Visible bool
}

// ReadMenu returns the top level of the tray menu of the item dest.
func ReadMenu(conn *dbus.Conn, dest string) ([]MenuItem, error) {
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := conn.Object(dest, itemMenuPath).Call(menuIface+".GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		return nil, fmt.Errorf("GetLayout: %w", err)
	}
	items := make([]MenuItem, 0, len(root.Children))
	for _, c := range root.Children {
		fields, ok := c.Value().([]any)
		if !ok || len(fields) != 3 {
			return nil, fmt.Errorf("GetLayout: malformed child %v", c)
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		it := MenuItem{ID: id, Type: "standard", Enabled: true, Visible: true}
		if v, ok := props["label"].Value().(string); ok {
			it.Label = v
		}
		if v, ok := props["type"].Value().(string); ok {
			it.Type = v
		}
		if v, ok := props["enabled"].Value().(bool); ok {
			it.Enabled = v
		}
		if v, ok := props["visible"].Value().(bool); ok {
			it.Visible = v
		}
		items = append(items, it)
	}
	return items, nil
}

// Shown keeps the items a user would see: visible, and not separators.
func Shown(items []MenuItem) []MenuItem {
	var out []MenuItem
	for _, it := range items {
		if it.Visible && it.Type != "separator" {
			out = append(out, it)
		}
	}
	return out
}

// Find returns the visible item labelled label.
func Find(items []MenuItem, label string) (MenuItem, bool) {
	for _, it := range Shown(items) {
		if it.Label == label {
			return it, true
		}
	}
	return MenuItem{}, false
}

// Click sends the "clicked" event a panel sends when the user picks id.
func Click(conn *dbus.Conn, dest string, id int32) error {
	return conn.Object(dest, itemMenuPath).Call(menuIface+".Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(0)).Err
}
