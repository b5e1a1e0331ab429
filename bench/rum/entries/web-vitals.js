import { onLCP, onINP, onCLS, onFCP, onTTFB } from 'web-vitals'; const r = (m) => navigator.sendBeacon('/b', JSON.stringify(m)); onLCP(r); onINP(r); onCLS(r); onFCP(r); onTTFB(r);
