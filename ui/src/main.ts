// Entry point: the system's language first (the settings may change it once read), then the app.
import { mount } from "svelte";
import App from "./App.svelte";
import { setLanguage } from "./lib/i18n";
import { startEarly } from "./lib/ipc";
import "./app.css";

startEarly();
setLanguage(null);
const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
export default mount(App, { target });
