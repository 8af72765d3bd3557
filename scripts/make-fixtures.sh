#!/usr/bin/env bash
# Regenerates the small media fixtures in __tests__/fixtures/media with ffmpeg.
# Tests never run ffmpeg: the generated files are committed. Re-run this only when a
# fixture has to change, then re-check the values the handler tests assert.
#
#   bash scripts/make-fixtures.sh
#
# Sources are lavfi generators (testsrc2 picture, sine tone), so no input files are needed.
# Low quality settings (crf 40, 32 kb/s audio) keep every file a few KB.
set -euo pipefail

out="$(cd "$(dirname "$0")/.." && pwd)/__tests__/fixtures/media"
mkdir -p "$out"
cd "$out"

ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
video() { echo "-f lavfi -i testsrc2=size=$1:rate=25:duration=$2"; }
tone() { echo "-f lavfi -i sine=frequency=440:sample_rate=44100:duration=$1"; }
h264=(-c:v libx264 -preset veryfast -crf 40 -pix_fmt yuv420p -g 25)
aac=(-c:a aac -b:a 32k -ac 1)

# 320x180, 1.5 s, H.264 + AAC. moov at the END (ffmpeg's default), so the probe has to seek.
# shellcheck disable=SC2046
ff $(video 320x180 1.5) $(tone 1.5) "${h264[@]}" "${aac[@]}" -shortest landscape.mp4

# 180x320, 1 s, no audio track. moov at the START (+faststart), the usual web upload layout.
# shellcheck disable=SC2046
ff $(video 180x320 1) "${h264[@]}" -an -movflags +faststart portrait-no-audio.mp4

# Stored 320x180 with a 90 degree display matrix (a phone held upright): displays as 180x320.
# ffmpeg 5.x writes the tkhd matrix from the `rotate` stream tag, but only on a stream copy;
# ffmpeg >= 6 dropped the tag and takes `-display_rotation 90` before `-i` instead.
# shellcheck disable=SC2046
ff $(video 320x180 1) $(tone 1) "${h264[@]}" "${aac[@]}" -shortest rotated-src.mp4
if ffmpeg -hide_banner -h full 2>/dev/null | grep -q -- '-display_rotation'; then
  ff -display_rotation 90 -i rotated-src.mp4 -c copy -movflags +faststart rotated-90.mp4
else
  ff -i rotated-src.mp4 -c copy -metadata:s:v:0 rotate=90 -movflags +faststart rotated-90.mp4
fi
rm -f rotated-src.mp4

# Mono and 5.1 audio (plan-transcode's remix: mono on both sides, 5.1 downmixed to stereo).
# mono.mp4: one 48 kHz channel. surround-5.1.mp4: six channels, each its own tone
# (C 440, L 550, R 660, Ls 770, Rs 880 Hz, LFE 60 Hz), AAC 5.1, which MediaInfo lists as
# "C L R Ls Rs LFE" (AAC's stream order).
# shellcheck disable=SC2046
ff $(video 320x180 1) -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=1" "${h264[@]}" -c:a aac -b:a 32k -ac 1 -shortest mono.mp4
sines=""
for f in 550 660 440 60 770 880; do sines+=" -f lavfi -i sine=frequency=$f:sample_rate=48000:duration=1"; done
# FL FR FC LFE BL BR in ffmpeg's order; the AAC encoder writes them as C L R Ls Rs LFE.
# shellcheck disable=SC2046,SC2086
ff $(video 320x180 1) $sines -filter_complex "[1:a][2:a][3:a][4:a][5:a][6:a]join=inputs=6:channel_layout=5.1:map=0.0-FL|1.0-FR|2.0-FC|3.0-LFE|4.0-BL|5.0-BR[a]" \
  -map 0:v -map "[a]" "${h264[@]}" -c:a aac -b:a 96k -shortest surround-5.1.mp4

# 0.5 s clip, H.264 + AAC.
# shellcheck disable=SC2046
ff $(video 320x180 0.5) $(tone 0.5) "${h264[@]}" "${aac[@]}" -shortest short-0.5s.mp4

# 160x90, 120 s, no audio, moov at the start, ~110 KB (a slowly zooming fractal at crf 45).
# Long enough that MediaInfo stops after the first part of the mdat: with small chunks the
# probe reads well under the file size, which is what the range reader is for.
ff -f lavfi -i "mandelbrot=size=160x90:rate=10,trim=duration=120" -c:v libx264 -preset veryfast -crf 45 -pix_fmt yuv420p -g 50 -an -movflags +faststart long-120s.mp4

# Audio only (AAC in MP4/M4A): parseable media without a video track.
# shellcheck disable=SC2046
ff $(tone 1) "${aac[@]}" audio-only.m4a

# A text file with a video extension.
printf 'This is not a video, only text with an .mp4 name.\n' > not-media.mp4

# Zero bytes.
: > empty.mp4

# Truncated uploads: the first half (no moov: it sits at the end) and the last half
# (no ftyp, starts mid-mdat) of landscape.mp4.
size=$(stat -c %s landscape.mp4)
half=$((size / 2))
head -c "$half" landscape.mp4 > truncated-head.mp4
tail -c +"$((half + 1))" landscape.mp4 > truncated-tail.mp4

ls -l "$out"
