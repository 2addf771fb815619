#!/usr/bin/env python3
"""Tile list for the tile benchmark: every tile of the given zooms that meets a
bounding box, per layer, shuffled with a fixed seed so both servers get the same
order. Prints `layer z x y` lines.

usage: tiles.py MINLON MINLAT MAXLON MAXLAT
"""
import math
import random
import sys

# (layer, zooms): gridd's buildings tileset starts at z13, so building tiles are
# listed from z14 on (a z12 building tile is empty in gridd; Martin would render
# every building into it).
LAYERS = [("grid", (12, 14, 16)), ("building", (14, 16))]


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def main():
    minlon, minlat, maxlon, maxlat = map(float, sys.argv[1:5])
    out = []
    for layer, zooms in LAYERS:
        for z in zooms:
            x0, y0 = tile(minlon, maxlat, z)
            x1, y1 = tile(maxlon, minlat, z)
            out += [(layer, z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    random.Random(20240501).shuffle(out)
    for t in out:
        print(*t)


if __name__ == "__main__":
    main()
