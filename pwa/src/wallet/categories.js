// The category taxonomy (slug → Italian/English label) comes from the server's
// configuration, so labels are never hard-coded here. Kept in localStorage for offline.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { language } from '../i18n.js';

const STORAGE_KEY = 'mentoring.categories';
let cached = null;

function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY)) || [];
  } catch {
    return [];
  }
}

async function load() {
  try {
    cached = await api('/categories');
    localStorage.setItem(STORAGE_KEY, JSON.stringify(cached));
  } catch {
    cached = stored();
  }
  return cached;
}

/** [{slug, it, en}], from memory, the server or the last copy saved. */
export function useCategories() {
  const [categories, setCategories] = useState(cached || stored());
  useEffect(() => {
    let live = true;
    if (!cached) load().then((list) => live && setCategories(list));
    return () => {
      live = false;
    };
  }, []);
  return categories;
}

export function categoryLabel(categories, slug) {
  const found = categories.find((category) => category.slug === slug);
  return found ? found[language()] || found.it : slug;
}
