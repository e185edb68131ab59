import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { inBillions, toBillions } from '../format';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const palette = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490'];

export interface Series {
  label: string;
  valuesVnd: number[];
}

/** A bar chart in tỷ đồng; the figures are also in the table beside it, so the canvas is described, not read. */
export function BarChart({ title, labels, series, horizontal = false, stacked = false }: { title: string; labels: string[]; series: Series[]; horizontal?: boolean; stacked?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s, i) => ({ label: s.label, data: s.valuesVnd.map(toBillions), backgroundColor: palette[i % palette.length] })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: 'vi-VN',
        scales: { x: { stacked }, y: { stacked } },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${inBillions(Number(c.raw) * 1e9)}` } },
        },
      },
    });
    return () => chart.destroy();
  }, [labels, series, horizontal, stacked]);
  const height = horizontal ? Math.max(240, labels.length * 22 + 80) : 280;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div style={{ height }}>
        <canvas ref={canvas} role="img" aria-label={title} />
      </div>
    </figure>
  );
}
