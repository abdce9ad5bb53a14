// Entry point: the system's language first (the settings may change it once read), then the app.
import { mount } from "svelte";
import App from "./App.svelte";
import { setLanguage } from "./lib/i18n";
import "./app.css";

setLanguage(null);
const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
export default mount(App, { target });
