import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/react'
import { afterEach } from 'vitest'

afterEach(() => cleanup())

// jsdom has no layout. Give scroll containers that ask for it (the virtualized
// user list marks itself with data-virtual-scroller) a real size, so the
// virtualizer renders rows.
const sized = (el: HTMLElement) => el.dataset.virtualScroller !== undefined
const clientHeight = Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight')!
const clientWidth = Object.getOwnPropertyDescriptor(Element.prototype, 'clientWidth')!
Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
  configurable: true,
  get(this: HTMLElement) {
    return sized(this) ? 600 : clientHeight.get!.call(this)
  },
})
Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
  configurable: true,
  get(this: HTMLElement) {
    return sized(this) ? 800 : clientWidth.get!.call(this)
  },
})
Element.prototype.scrollTo = function () {}
Element.prototype.scrollIntoView = function () {}
