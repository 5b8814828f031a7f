// `html` tagged templates for Preact (htm): components are written without a JSX transform.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
