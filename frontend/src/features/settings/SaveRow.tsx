/** The end of a settings form: "Saved." after a save, and the submit button. */
export function SaveRow({ label, saved, pending, testId }: { label: string; saved: boolean; pending: boolean; testId?: string }) {
  return (
    <div className="form-actions">
      {saved && (
        <span className="saved" role="status">
          Saved.
        </span>
      )}
      <button type="submit" className="primary" disabled={pending} data-testid={testId}>
        {label}
      </button>
    </div>
  )
}
