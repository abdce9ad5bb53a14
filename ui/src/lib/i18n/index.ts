// The UI's messages, languages and locale formatting (see i18n.svelte.ts).
export * from "./i18n.svelte";
