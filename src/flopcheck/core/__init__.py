"""The pure core: FLOPs, parameter counts, memory, fitting strategies, scaling laws, cost and energy
arithmetic, units and the error types. No catalog file types, no files, no printing, no environment, nothing
done at import time. Every formula names its source."""
