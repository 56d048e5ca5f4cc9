/** Ctrl+K (Cmd+K on macOS): go to the user search from anywhere. */
export function isSearchShortcut(e: KeyboardEvent): boolean {
  return (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k'
}
