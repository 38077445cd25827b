// What the admin sections share: the server's refusal shown next to the field it names, and a file to save.
import { h } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';

/** Show a refused save next to its fields: the server names a field in `details.field` (its own checks) or in
 * a validation error's `loc`; `ids` maps the server's field names to the form's inputs. What names no field
 * of the form goes into `general`. */
export function showErrors(form, general, error, ids) {
  clearErrors(form, general);
  const details = error.detail?.details;
  const fields = error.code === 'validation_error' && Array.isArray(details)
    ? details.map((d) => [d.loc?.[d.loc.length - 1], lang === 'en' ? d.msg : t('格式不正确')])
    : [[details?.field, errorText(error)]];
  const unplaced = [];
  for (const [field, message] of fields) {
    const input = ids[field] && form.querySelector(`#${ids[field]}`);
    if (!input) { unplaced.push(message); continue; }
    const note = h('p', { class: 'error field-error', id: `${input.id}-error` }, message);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', note.id);
    (input.closest('label') || input).after(note); // a checkbox sits inside its label
  }
  if (unplaced.length || error.code === 'validation_error') {
    general.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)), ...unplaced.map((m) => h('p', { class: 'error' }, m)));
  }
  form.querySelector('[aria-invalid="true"]')?.focus();
}

export function clearErrors(form, general) {
  form.querySelectorAll('.field-error').forEach((node) => node.remove());
  form.querySelectorAll('[aria-invalid]').forEach((node) => { node.removeAttribute('aria-invalid'); node.removeAttribute('aria-describedby'); });
  general.replaceChildren();
}

/** Save a Blob under a file name. */
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A CSV that Excel opens as UTF-8 (the BOM) with every value quoted. */
export function csvBlob(rows) {
  const quote = (value) => `"${String(value ?? '').replace(/"/g, '""')}"`;
  return new Blob(['\ufeff' + rows.map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n'], { type: 'text/csv' });
}
