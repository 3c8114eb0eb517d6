from django import forms

from marketplace.models import Achievement


class AchievementEditForm(forms.ModelForm):
    class Meta:
        model = Achievement
        fields = ["title", "summary", "description"]
