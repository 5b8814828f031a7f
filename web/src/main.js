// Entry point of the console bundle (docs/console.md).
import { render } from 'preact';
import { html } from './lib/html.js';
import { App } from './app.js';
import './styles.css';

render(html`<${App} />`, document.getElementById('app'));
