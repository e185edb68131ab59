import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { type ConsoleConfig, startSession } from './auth';
import './styles.css';

const fallback: ConsoleConfig = { authority: null, clientId: 'capitalflows-console', scope: 'openid profile', developmentSignIn: false };

async function configuration(): Promise<ConsoleConfig> {
  try {
    const response = await fetch('/api/console-config');
    return response.ok ? { ...fallback, ...((await response.json()) as Partial<ConsoleConfig>) } : fallback;
  } catch {
    return fallback;
  }
}

const config = await configuration();
await startSession(config).catch(() => undefined);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App config={config} />
  </StrictMode>,
);
