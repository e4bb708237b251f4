import { render } from "preact";
import { App } from "./app";
import "./style.css";

render(<App />, document.getElementById("app")!);
// The browser test reads this mark: the time from navigation to the first
// render of the app (docs/performance.md).
performance.mark("pnyx-first-render");
