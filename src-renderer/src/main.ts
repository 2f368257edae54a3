// Renderer entry: mounts the Svelte app. The API client is chosen by the host: Electron's
// preload bridge when present, otherwise the WebSocket of `himoe serve`.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

mount(App, { target: document.getElementById('app') as HTMLElement });
