import React from 'react';

const BAR = 12;
const GAP = 3;
const HEIGHT = 80;
const AXIS = 14;

export interface HourChartProps {

    /** Conversations started in each hour of the day, 0 to 23. */
    counts: number[];

    /** What the chart shows, for screen readers. */
    label: string;

    /** The tooltip of one bar. */
    barTitle: (hour: number, count: number) => string;
}

/** A bar chart of conversations by hour: hand-written SVG, scaled to the busiest hour. */
export function HourChart({counts, label, barTitle}: HourChartProps) {
    const hours = Array.from({length: 24}, (_, h) => counts[h] ?? 0);
    const peak = Math.max(1, ...hours);
    const width = (24 * (BAR + GAP)) - GAP;
    return (
        <svg
            className='wahd-hourchart'
            role='img'
            aria-label={label}
            viewBox={`0 0 ${width} ${HEIGHT + AXIS}`}
            width='100%'
            preserveAspectRatio='xMidYMid meet'
            data-testid='wa-hour-chart'
        >
            <line
                x1={0}
                x2={width}
                y1={HEIGHT + 0.5}
                y2={HEIGHT + 0.5}
                className='wahd-hourchart-axis'
            />
            {hours.map((n, h) => {
                const height = n === 0 ? 0 : Math.max(2, Math.round((n / peak) * (HEIGHT - 4)));
                const x = h * (BAR + GAP);
                return (
                    <g key={h}>
                        <rect
                            className='wahd-hourchart-bar'
                            x={x}
                            y={HEIGHT - height}
                            width={BAR}
                            height={height}
                            rx={2}
                            data-testid='wa-hour-bar'
                            data-hour={h}
                            data-count={n}
                        >
                            <title>{barTitle(h, n)}</title>
                        </rect>
                        {h % 6 === 0 && (
                            <text
                                className='wahd-hourchart-label'
                                x={x}
                                y={HEIGHT + AXIS - 2}
                            >{String(h).padStart(2, '0')}</text>
                        )}
                    </g>
                );
            })}
        </svg>
    );
}
