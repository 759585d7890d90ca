// Outbound payloads shared by the builder tests and the emulator round trip.
import type { OutboundPayload } from '../../src/providers/port.js'

export const FIXTURE_TO = '+16505551234'
const to = FIXTURE_TO

/** One of every outbound kind (and the variants that change the body's shape). */
export const EVERY_KIND: Array<[string, OutboundPayload]> = [
  ['text', { kind: 'text', to, text: 'Hello' }],
  ['text with preview and reply', { kind: 'text', to, text: 'See https://example.com', previewUrl: true, replyToWamid: 'wamid.ABC' }],
  ['template positional', {
    kind: 'template', to, name: 'order_update', language: 'en_US',
    components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '#42' }] }],
  }],
  ['template named with header and buttons', {
    kind: 'template', to, name: 'order_update', language: 'en_US',
    components: [
      { type: 'header', parameters: [{ type: 'text', text: 'Summer', parameterName: 'season' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ada', parameterName: 'first_name' }, { type: 'currency', fallbackValue: '$10', code: 'USD', amount1000: 10000, parameterName: 'total' }, { type: 'date_time', fallbackValue: 'May 1', parameterName: 'when' }] },
      { type: 'button', subType: 'quick_reply', index: 0, payload: 'STOP' },
      { type: 'button', subType: 'url', index: 1, text: 'order/42' },
      { type: 'button', subType: 'copy_code', index: 2, couponCode: 'SAVE25' },
    ],
  }],
  ['template media header by id', { kind: 'template', to, name: 'receipt', language: 'en', components: [{ type: 'header', parameters: [{ type: 'document', mediaId: '123', filename: 'r.pdf' }] }] }],
  ['template image header by link', { kind: 'template', to, name: 'promo', language: 'en', components: [{ type: 'header', parameters: [{ type: 'image', link: 'https://example.com/a.jpg' }] }] }],
  ['template without variables', { kind: 'template', to, name: 'hello_world', language: 'en_US', components: [] }],
  ['image by id', { kind: 'image', to, media: { mediaId: '111' }, caption: 'look' }],
  ['image by link', { kind: 'image', to, media: { link: 'https://example.com/a.jpg' } }],
  ['video', { kind: 'video', to, media: { link: 'https://example.com/a.mp4' }, caption: 'clip', replyToWamid: 'wamid.X' }],
  ['document', { kind: 'document', to, media: { mediaId: '222' }, caption: 'invoice', filename: 'invoice.pdf' }],
  ['audio', { kind: 'audio', to, media: { mediaId: '333' } }],
  ['sticker', { kind: 'sticker', to, media: { link: 'https://example.com/s.webp' } }],
  ['buttons', { kind: 'buttons', to, body: 'Pick one', footer: 'thanks', header: { type: 'text', text: 'Hi' }, buttons: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }, { id: 'later', title: 'Later' }] }],
  ['buttons with image header', { kind: 'buttons', to, body: 'Pick', header: { type: 'image', mediaId: '9' }, buttons: [{ id: 'a', title: 'A' }] }],
  ['list', {
    kind: 'list', to, body: 'Choose', buttonText: 'Options', header: { type: 'text', text: 'Menu' }, footer: 'f',
    sections: [{ title: 'Fruit', rows: [{ id: 'apple', title: 'Apple', description: 'red' }] }, { title: 'Veg', rows: [{ id: 'kale', title: 'Kale' }] }],
  }],
  ['reaction', { kind: 'reaction', to, messageWamid: 'wamid.ABC', emoji: '👍' }],
  ['reaction removal', { kind: 'reaction', to, messageWamid: 'wamid.ABC', emoji: '' }],
  ['location', { kind: 'location', to, latitude: 37.48, longitude: -122.14, name: 'Meta HQ', address: '1 Hacker Way' }],
  ['contacts', {
    kind: 'contacts', to,
    contacts: [{
      name: { formattedName: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace' },
      phones: [{ phone: '+441234567890', type: 'WORK', waId: '441234567890' }], emails: [{ email: 'ada@example.com', type: 'WORK' }],
      urls: [{ url: 'https://ada.example.com' }], addresses: [{ city: 'London', countryCode: 'gb', type: 'HOME' }],
      org: { company: 'Analytical Engines' }, birthday: '1815-12-10',
    }],
  }],
]

