import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/react'
import { afterEach } from 'vitest'

afterEach(() => cleanup())

// jsdom has no layout. Give scroll containers that ask for it (the virtualized
// user list marks itself with data-virtual-scroller) a real size, so the
// virtualizer renders rows.
const realRect = HTMLElement.prototype.getBoundingClientRect
HTMLElement.prototype.getBoundingClientRect = function (this: HTMLElement) {
  if (this.dataset.virtualScroller !== undefined) {
    return { x: 0, y: 0, top: 0, left: 0, bottom: 600, right: 800, width: 800, height: 600, toJSON: () => ({}) } as DOMRect
  }
  return realRect.call(this)
}
Element.prototype.scrollTo = function () {}
Element.prototype.scrollIntoView = function () {}
